#!/usr/bin/env bash
# bench/compare.sh [THREADS...] - srgan next to the other ways a user can run the same ncnn
# models on this CPU, on the same 256x256 photo (128x128 for the RRDB x4plus), in one go:
#   realesrgan-ncnn-vulkan on Mesa lavapipe (it has no CPU path), waifu2x-ncnn-vulkan's and
#   realcugan-ncnn-vulkan's ncnn CPU paths, and PyTorch CPU for the compact Real-ESRGAN nets
#   (bench/torch_srvgg.py, if python3-torch is installed); and, on CPUs with AVX512_BF16,
#   srgan's own --precision bf16 (its ratio under 1: faster than srgan's fp32 default).
# Each program runs pinned to THREADS cores (default: 1 and 2); a figure is the best of two
# whole-process runs (PyTorch: the forward pass alone, best of two after a warm-up, so the
# comparison favours it). Prints seconds per image and the ratio to srgan.
# Needs a release build in build/ and ../shared (models; peers/setup.sh is run if needed).
# MODELS="cunet-x2 x4fast" limits the run to those rows (x4plus alone takes ~7 minutes).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SR_SHARED:-$ROOT/../shared}
SRGAN=$ROOT/build/srgan
CACHE=${PEERS_CACHE:-/tmp/peers-cache}
export PEERS_CACHE=$CACHE
threads=${*:-1 2}
[ -x "$SRGAN" ] || { echo "compare.sh: build srgan first (see README)" >&2; exit 2; }
[ -x "$CACHE/bin/realesrgan-ncnn-vulkan" ] || bash "$SHARED/peers/setup.sh" >&2
IN256=$CACHE/img/in256.png IN128=$CACHE/img/in128.png
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

best2() { # seconds of the faster of two runs of "$@"
    local b="" t
    for _ in 1 2; do
        /usr/bin/time -f %e -o "$out/time" "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
        t=$(tail -1 "$out/time")
        [ -z "$b" ] || awk "BEGIN{exit !($t < $b)}" && b=$t
    done
    echo "$b"
}

# name | srgan model file | peer | peer model | scale | noise | input
cases="animevideov3-x4|realesrgan/realesr-animevideov3-x4|realesrgan|realesr-animevideov3|4|-1|$IN256
x4fast|realesrgan/realesrgan-x4fast|realesrgan|realesrgan-x4fast|4|-1|$IN256
upconv_7-x2|waifu2x/upconv_7-scale2x|waifu2x-cpu|upconv_7|2|-1|$IN256
cunet-x2|waifu2x/cunet-noise0-scale2x|waifu2x-cpu|cunet|2|0|$IN256
cugan-up2x|realcugan/up2x-conservative|realcugan-cpu|se|2|-1|$IN256
x4plus|realesrgan/realesrgan-x4plus|realesrgan|realesrgan-x4plus|4|-1|$IN128"
PYTHON=${PYTHON:-/usr/bin/python3}
have_torch=0
have_bf16=0
"$SRGAN" version | grep -q bf16 && have_bf16=1
"$PYTHON" -c "import torch, skimage" 2>/dev/null && have_torch=1

printf '%-16s %3s %9s  %-28s %9s %7s\n' model thr srgan_s other other_s ratio
while IFS='|' read -r name file peer pmodel scale noise in; do
    [ -z "${MODELS:-}" ] || [[ " $MODELS " == *" $name "* ]] || continue
    for t in $threads; do
        cores=0-$((t - 1))
        s=$(best2 taskset -c "$cores" "$SRGAN" upscale "$in" "$out/s.png" \
            --model "$SHARED/models/$file.param" --threads "$t" -q)
        p=$(NOISE=$noise best2 "$SHARED/peers/run_peer.sh" "$peer" "$pmodel" "$scale" "$t" "$in" \
            "$out/p.png")
        printf '%-16s %3s %9.2f  %-28s %9.2f %6.2fx\n' "$name" "$t" "$s" "$peer" "$p" \
            "$(awk "BEGIN{print $p / $s}")"
        if [ $have_torch = 1 ] && [[ $name == animevideov3-x4 || $name == x4fast ]]; then
            py=$(taskset -c "$cores" "$PYTHON" "$ROOT/bench/torch_srvgg.py" \
                 "$SHARED/models/$file.param" "$in" "$t" 2)
            printf '%-16s %3s %9.2f  %-28s %9.2f %6.2fx\n' "$name" "$t" "$s" \
                "pytorch (forward only)" "$py" "$(awk "BEGIN{print $py / $s}")"
        fi
        if [ $have_bf16 = 1 ]; then # srgan's own bf16 path, against its fp32 default
            b=$(best2 taskset -c "$cores" "$SRGAN" upscale "$in" "$out/s.png" \
                --model "$SHARED/models/$file.param" --threads "$t" -q --precision bf16)
            printf '%-16s %3s %9.2f  %-28s %9.2f %6.2fx\n' "$name" "$t" "$s" \
                "srgan --precision bf16" "$b" "$(awk "BEGIN{print $b / $s}")"
        fi
    done
done <<< "$cases"
