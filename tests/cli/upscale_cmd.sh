# srgan upscale: one image, format from the output's extension, errors name the file.
. "$(dirname "$0")/common.sh"
"$MKIMG" . in.png:30x20x3 || fail make_images
expect 0 "$SRGAN" upscale in.png big.jpg --scale 3 --threads 2
has "(30x20 -> 90x60,"
[ "$(head -c 3 big.jpg | od -An -tx1 | tr -d ' ')" = ffd8ff ] || fail "big.jpg is not a JPEG"
expect 0 "$SRGAN" upscale in.png big.png --model realesr-animevideov3-x4 --sequential
has "(30x20 -> 120x80,"
expect 1 "$SRGAN" upscale missing.png x.png
has "srgan: missing.png: No such file or directory"
[ ! -e x.png ] || fail "x.png written"
expect 2 "$SRGAN" upscale in.png x.gif
has "unknown output extension"
expect 1 "$SRGAN" upscale in.png nodir/x.png
has "nodir/x.png"
# any factor 1..16: the model's output resized (x2 model -> x3; x4 model -> x8; x2 -> x1)
expect 0 "$SRGAN" upscale in.png s3.png --model realesr-animevideov3-x2 --scale 3
has "(30x20 -> 90x60,"
expect 0 "$SRGAN" upscale in.png s8.png --scale 8
has "(30x20 -> 240x160,"
expect 0 "$SRGAN" upscale in.png s1.png --scale 1 --tta
has "(30x20 -> 30x20,"
# srgan resize: the bicubic baseline, same options
expect 0 "$SRGAN" resize in.png bic.png --scale 2
has "(30x20 -> 60x40,"
has "bicubic)"
exit 0
