# Two inputs with one output name, or an output over an input: refused before any work, exit 2.
. "$(dirname "$0")/common.sh"
mkdir in
"$MKIMG" in a.png:8x8x3 a.jpg:8x8x3 || fail make_images
expect 2 "$SRGAN" batch in out
has "srgan: in/a.jpg and in/a.png would both be written to out/a.png"
[ ! -e out ] || [ -z "$(ls -A out)" ] || fail "files were written"
# --format jpg maps a.png to a.jpg, which is the other input in the same folder
mkdir same
"$MKIMG" same p.png:8x8x3 || fail make_images
expect 2 "$SRGAN" batch same same
has "srgan: same/p.png: output would overwrite the input same/p.png"
exit 0
