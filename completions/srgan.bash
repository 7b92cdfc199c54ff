# bash completion for srgan: commands, each command's options, embedded model names, formats,
# and file or folder names where an argument is a path.
_srgan()
{
    local cur prev cmd
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    cmd=${COMP_WORDS[1]}
    local commands="batch upscale resize downscale degrade psnr eval train models parallel-benchmark version"
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "$commands --help" -- "$cur"))
        return
    fi
    case $prev in
        --model|-m)
            COMPREPLY=($(compgen -W "$(${COMP_WORDS[0]} models --names 2>/dev/null)" -- "$cur"))
            COMPREPLY+=($(compgen -f -X '!*.param' -- "$cur") $(compgen -d -- "$cur"))
            return ;;
        --format) COMPREPLY=($(compgen -W "png jpg bmp tga webp webp-lossless" -- "$cur")); return ;;
        --family) COMPREPLY=($(compgen -W "realesrgan waifu2x realcugan srgan" -- "$cur")); return ;;
        --precision) COMPREPLY=($(compgen -W "fp32 bf16" -- "$cur")); return ;;
        --denoise) COMPREPLY=($(compgen -W "auto 0 0.25 0.5 0.75 1" -- "$cur")); return ;;
        --loss) COMPREPLY=($(compgen -W "l1 charbonnier l2" -- "$cur")); return ;;
        --sampling) COMPREPLY=($(compgen -W "photo area" -- "$cur")); return ;;
        --scale|-s) COMPREPLY=($(compgen -W "2 3 4" -- "$cur")); return ;;
        --hr|--lr|--data|--val) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --report|--resume|--init|--out) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --threads|-j|--tile|--quality|--noise|--max-pixels|--shard|--steps|--batch|--patch|\
        --lr|--seed|--arch|--val-every|--val-jpeg|--checkpoint-minutes|--jpeg|--degrade|--shave|\
        --images|--size|--large|--threads-list|--json)
            return ;;
    esac
    local opts
    case $cmd in
        batch|upscale)
            opts="--scale --model --denoise --noise --family --threads --sequential --tile --format
                  --quality --precision --tta --force --recursive --max-pixels --report -q --quiet
                  -v --verbose --help"
            [ "$cmd" = batch ] && opts="$opts --shard" ;;
        resize) opts="--scale --format --quality --help" ;;
        downscale) opts="--scale --help" ;;
        degrade) opts="--degrade --seed --help" ;;
        psnr) opts="--shave --help" ;;
        eval) opts="--hr --lr --crops --scale --model --jpeg --denoise --threads --json --help" ;;
        train)
            opts="--data --val --out --scale --arch --steps --batch --patch --lr --loss --sampling
                  --multiscale --degrade --val-jpeg --val-every --checkpoint-minutes --resume --init --seed
                  --threads --help" ;;
        models) opts="--names" ;;
        parallel-benchmark)
            opts="--images --size --large --model --precision --threads-list --tile --json --help" ;;
        *) opts="--help" ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    elif [ "$cmd" = batch ]; then
        COMPREPLY=($(compgen -d -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}
complete -o filenames -F _srgan srgan
