# Usage errors exit 2 with a message; nothing is processed.
. "$(dirname "$0")/common.sh"
mkdir in
"$MKIMG" in a.png:8x8x3 || fail make_images
expect 2 "$SRGAN" batch in out --threads 2 --sequential
has "--threads and --sequential exclude each other"
[ ! -e out ] || fail "out was created"
expect 2 "$SRGAN" batch in out --sequential --threads 2
expect 2 "$SRGAN" batch in
has "usage: srgan batch IN_DIR OUT_DIR"
expect 2 "$SRGAN" batch in out --bogus
has "unknown option '--bogus'"
expect 2 "$SRGAN" batch in out --threads 0
has "bad or missing value for --threads"
expect 2 "$SRGAN" batch in out --threads
expect 2 "$SRGAN" batch in out --format gif
expect 0 "$SRGAN" batch in out5 --scale 5   # x4 model, then resized
[ "$(od -An -tu1 -j16 -N8 out5/a.png | tr -s ' ')" = " 0 0 0 40 0 0 0 40" ] || fail "--scale 5: not 40x40"
expect 2 "$SRGAN" batch in out --model nothere.param
has "cannot use model: nothere.param"
printf '7767517\n2 2\nInput in 0 1 data\nMystery m 1 1 data out\n' > bad.param
: > bad.bin
expect 2 "$SRGAN" batch in out --model bad.param
has "line 4"
has "Mystery"
expect 2 "$SRGAN" batch in out --scale 17
has "--scale"
expect 2 "$SRGAN" batch in out --family nope
has "unknown model family 'nope' (realesrgan, waifu2x, realcugan or srgan)"
expect 2 "$SRGAN" frobnicate
expect 0 "$SRGAN" --version
grep -q "^srgan " _out || fail "--version output"
expect 2 "$SRGAN" models --bogus
has "unknown option '--bogus'"
expect 0 "$SRGAN" models
grep -q "realesr-animevideov3-x4" _out || fail "models list"
expect 0 "$SRGAN" batch --help
grep -q -- "--sequential" _out || fail "batch --help"
# every command's help: an option's help starts at column 24 after a space, or on the next line (an
# option exactly 21 characters wide once ran into its help: "--sampling area|photophoto")
for c in batch upscale video stream resize downscale degrade psnr eval train models \
    parallel-benchmark version; do
    expect 0 "$SRGAN" $c --help
    awk 'substr($0, 1, 3) == "  -" && substr($0, 23, 1) != " " && NF > 3 {
        print "help runs into its option: " $0; bad = 1 } END { exit bad }' _out ||
        fail "$c --help"
done
exit 0
