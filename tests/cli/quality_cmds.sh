# srgan downscale / psnr / eval: sizes, the numbers on known cases, JSON, and error lines.
. "$(dirname "$0")/common.sh"
mkdir hr
"$MKIMG" . a.png:37x23x3 g.png:20x20x1 || fail make_images
"$MKIMG" hr p1.png:64x48x3 p2.png:50x40x3 || fail make_images

expect 0 "$SRGAN" downscale a.png d.png --scale 4
[ "$(od -An -tu1 -j16 -N8 d.png | tr -s ' ')" = " 0 0 0 10 0 0 0 6" ] || fail "not ceil(37/4) x ceil(23/4)"
expect 2 "$SRGAN" downscale a.png d.png
has "needs IN, OUT and --scale"
expect 2 "$SRGAN" downscale a.png d.gif --scale 2
has "OUT needs a .png, .jpg, .bmp or .tga extension"
expect 1 "$SRGAN" downscale missing.png d.png --scale 2
has "srgan downscale: missing.png: No such file or directory"

expect 0 "$SRGAN" psnr a.png a.png
grep -qx "PSNR inf dB  SSIM 1.0000" _out || fail "identical images: $(cat _out)"
expect 1 "$SRGAN" psnr a.png g.png
has "images differ in size: 37x23 and 20x20"
expect 2 "$SRGAN" psnr a.png
has "needs two images"

# eval: x2 on two photos; the model line and the mean; bicubic PSNR is the same whatever model
expect 0 "$SRGAN" eval --hr hr --scale 2 --model realesr-animevideov3-x2
grep -q "^p1.png " _out && grep -q "^p2.png " _out && grep -q "^mean " _out || fail "table: $(cat _out)"
bic=$(awk '$1 == "mean" {print $2}' _out)
expect 0 "$SRGAN" eval --hr hr --scale 2 --json
grep -q '"name": "p2.png"' _out && grep -q '"gain_db"' _out || fail "json: $(cat _out)"
grep -q "\"mean\": {\"bicubic\": {\"psnr\": $bic" _out || fail "bicubic mean differs from $bic"
# --family: srgan's own net is detected as "srgan" (no border); naming realesrgan adds the
# reflected border, which moves the model's figures but not bicubic's
expect 0 "$SRGAN" eval --hr hr --scale 2
ours=$(awk '$1 == "mean" {print $4}' _out)
expect 0 "$SRGAN" eval --hr hr --scale 2 --family srgan
[ "$(awk '$1 == "mean" {print $4}' _out)" = "$ours" ] || fail "--family srgan is not the default"
expect 0 "$SRGAN" eval --hr hr --scale 2 --family realesrgan
[ "$(awk '$1 == "mean" {print $2}' _out)" = "$bic" ] || fail "bicubic moved with --family"
[ "$(awk '$1 == "mean" {print $4}' _out)" != "$ours" ] || fail "--family realesrgan had no effect"
expect 2 "$SRGAN" eval --hr hr --scale 2 --family nope
has "unknown model family 'nope'"
# given LR images of the wrong size, the file is named
mkdir lr && "$MKIMG" lr p1.png:30x24x3 p2.png:25x20x3 || fail make_images
expect 1 "$SRGAN" eval --hr hr --lr lr --scale 2
has "lr/p1.png: low-resolution image is 30x24, not 64x48 / 2"
expect 2 "$SRGAN" eval --hr hr --lr lr --crops --scale 2
has "drop --lr"
expect 2 "$SRGAN" eval --hr hr --scale 4 --model realesr-animevideov3-x2
has "upscales x2, not x4"
exit 0
