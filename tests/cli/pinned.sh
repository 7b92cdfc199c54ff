# Pinned outputs: the exact bytes (SHA-256 of BMP files, i.e. of the pixels) that every embedded
# model and one ncnn model of each family give on two small images, for the AVX2 and the portable
# kernels (SR_KERNEL; each is deterministic on any CPU that runs it), any thread count and tile
# size. A refactoring or a new memory layout must not move a byte: these hashes are the check.
# Tile sizes: the default (one tile) and 16 and 24 pixels (many). Usage as a CLI test; `bash pinned.sh SRGAN MKIMG --print` prints the table instead.
here=$(cd "$(dirname "$0")" && pwd)
want=$here/../data/pinned.sha256
shared=$(cd "$here/../../.." && pwd)/shared/models
. "$here/common.sh"
print=${3:-}
if [ ! -d "$shared" ]; then
    [ "${CI:-}" = true ] && fail "$shared not found (CI=true requires ../shared)"
    echo "skipped: $shared not found"; exit 77
fi
grep -q avx2 /proc/cpuinfo || { echo "skipped: this CPU has no AVX2"; exit 77; }
"$MKIMG" . a.png:50x38x3 b.png:27x31x3 c.png:14x11x3 || fail make_images
# MODEL IMAGES RUNS (threads:tile, no tile = the default, one tile here). Nets whose tiles are
# not exact (RRDB's receptive field; the U-Nets' whole-tile statistics) keep one tile layout:
# threads must not matter, tile sizes may. RRDB is costly: one small image.
exact="a,b 1: 2: 1:16 2:24"
spec="srgan-photo-x2 $exact
srgan-photo-x3 $exact
srgan-photo-x4 $exact
realesr-animevideov3-x2 $exact
realesr-animevideov3-x4 $exact
$shared/waifu2x/upconv_7-scale2x.param $exact
$shared/realesrgan/realesrgan-x4plus.param c 1: 2:
$shared/waifu2x/cunet-noise0-scale2x.param a,b 1: 2:
$shared/realcugan/up2x-conservative.param a,b 1: 2:"
for k in avx2 generic; do
    echo "$spec" | while read -r m imgs runs; do
        name=$(basename "$m" .param)
        for img in $(echo "$imgs" | tr , ' '); do
            first=""
            for r in $runs; do
                tile=${r#*:}
                SR_KERNEL=$k "$SRGAN" upscale $img.png out.bmp --model "$m" --threads ${r%:*} \
                    ${tile:+--tile $tile} 2>_err >_out || fail "$k $name $img threads:tile $r"
                h=$(sha256sum out.bmp | cut -c1-64)
                [ -z "$first" ] && first=$h
                [ "$h" = "$first" ] || fail "$k $name $img: threads:tile $r changes the output"
            done
            line="$k $name $img $first"
            if [ "$print" = --print ]; then
                echo "$line"
            elif ! grep -qxF "$line" "$want"; then
                fail "$k $name $img: got $first, pinned $(grep "^$k $name $img " "$want")"
            fi
        done
    done || exit 1
done
exit 0
