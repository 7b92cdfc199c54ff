# srgan train: a tiny run writes a model srgan can use; Ctrl-C checkpoints; --resume continues
# from the step it was saved at.
. "$(dirname "$0")/common.sh"
mkdir photos
"$MKIMG" photos p1.png:64x48x3 p2.png:48x48x3 p3.png:16x16x3 || fail make_images
opts="--data photos --scale 2 --arch 8x1 --patch 12 --batch 2 --seed 3 --threads 2"

expect 0 "$SRGAN" train $opts --steps 5000 --out whole
has "3 photos (1 too small for a crop)"
has "wrote whole.param, whole.bin and whole.ckpt"
expect 0 "$SRGAN" upscale photos/p2.png up.png --model whole.param
has "(48x48 -> 96x96,"

# --multiscale: each photo at 4 sizes, a copy too small for a crop counted as such (p1's 1/3 is
# 20x16, LR 10x8; p2's 16x16, LR 8x8; all of p3's); its checkpoint remembers it
expect 0 "$SRGAN" train $opts --multiscale --steps 2 --out ms
has "3 photos at 4 sizes: 12 images (6 too small for a crop)"
expect 2 "$SRGAN" train $opts --steps 4 --out ms --resume ms.ckpt
has "multiscale 1, degradation none; the options say x2, 8, 1, 0, 1, 0, none"

# stopped by SIGINT mid-run (far too long to finish first: the signal follows the first progress
# line), then resumed at the step it was saved at. That a resume gives the uninterrupted run's
# bits is test_train.c's (a stop at a chosen step).
wait_for_line() { # PID PATTERN
    local end=$((SECONDS + 300))
    until grep -q "$2" _err; do
        kill -0 "$1" 2>/dev/null && [ $SECONDS -lt $end ] || { kill -9 "$1"; fail "no '$2' line"; }
        sleep 0.1
    done
}
"$SRGAN" train $opts --steps 100000000 --out part --checkpoint-minutes 100 >/dev/null 2>_err &
pid=$!
wait_for_line $pid '^step '
kill -INT $pid
wait $pid
rc=$?
[ $rc = 130 ] || fail "SIGINT: exit $rc, expected 130"
has "saving a checkpoint"
[ -s part.ckpt ] || fail "no checkpoint after SIGINT"
saved=$(grep -o '^step [0-9]*' _err | tail -n 1 | cut -d' ' -f2)
grep -q "step $saved/100000000 .*\[stopped part.ckpt\]" _err || fail "no checkpoint line: $(cat _err)"
"$SRGAN" train $opts --steps 100000000 --out part --resume part.ckpt >/dev/null 2>_err &
pid=$!
wait_for_line $pid 'resuming at step'
kill -INT $pid
wait $pid
has "resuming at step $saved"

# --steps 0 writes the starting network as it is, and its line has no made-up rates
expect 0 "$SRGAN" train $opts --steps 0 --out start --init whole.param
has "step 0/0  [done start.ckpt]"
cmp -s start.bin whole.bin || fail "--steps 0 from whole.param changed its weights"

# a folder of models named as waifu2x-ncnn-vulkan ships them: --noise picks the file
mkdir mf && cp whole.param mf/noise1_scale2.0x_model.param && cp whole.bin mf/noise1_scale2.0x_model.bin
expect 0 "$SRGAN" upscale photos/p2.png n1.png --model mf --noise 1
has "noise1_scale2.0x_model)"
expect 2 "$SRGAN" upscale photos/p2.png n2.png --model mf --noise 2
has "mf: no model for x2, x3 or x4 and --noise"
expect 2 "$SRGAN" upscale photos/p2.png n2.png --noise 2
has "--noise picks a model from a folder"

expect 2 "$SRGAN" train --data photos --out x
has "--data, --scale and --out are required"
expect 2 "$SRGAN" train $opts --out y --arch 8y1
has "bad or missing value for --arch"
expect 2 "$SRGAN" train $opts --out z --resume whole.ckpt --arch 16x1
has "checkpoint is x2, 8 channels, 1 blocks"
expect 1 "$SRGAN" train --data nowhere --scale 2 --out w
has "nowhere: No such file or directory"
exit 0
