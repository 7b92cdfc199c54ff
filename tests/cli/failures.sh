# Bad files in a folder: each is one stderr line naming it, the rest succeed, exit 1.
. "$(dirname "$0")/common.sh"
mkdir in
"$MKIMG" in a.png:40x30x3 b.jpg:33x21x3 c.png:16x16x1 d.png:12x10x4 || fail make_images
: > in/zero.png
head -c 200 in/a.png > in/trunc.png
head -c 300 in/b.jpg > in/cut.jpg
echo "not an image" > in/x.png
expect 1 "$SRGAN" batch in out --scale 2 --threads 2
has "srgan: in/zero.png: empty file"
has "srgan: in/trunc.png: corrupt or truncated image"
has "srgan: in/x.png: not a readable PNG, JPEG, BMP, TGA or WebP"
has "srgan: in/cut.jpg: corrupt or truncated image"
has "srgan: 4 ok, 4 failed, 0 skipped of 8 in "
[ "$(grep -c 'in/' _err)" = 4 ] || fail "expected exactly 4 failure lines"
# the two JPEGs (one whole, one cut short after its tables) are read as different qualities from
# the PNGs' 0, which the summary says in one more line
has "srgan: denoise strengths differ across files: 0.00 to "
[ "$(wc -l < _err)" = 6 ] || fail "expected 4 failure lines, the summary and the denoise line"
[ "$(ls out | tr '\n' ' ')" = "a.png b.png c.png d.png " ] || fail "outputs: $(ls -a out)"
# a report names every file with its status
expect 1 "$SRGAN" batch in out2 --scale 2 --sequential -q --report rep.json
grep -q '"failed": 4' rep.json || fail "report: failed count"
grep -q '"num_threads": 1' rep.json || fail "report: threads"
grep -q '"input": "in/zero.png", "output": "out2/zero.png", "status": "failed", "error": "empty file"' rep.json ||
    fail "report: zero.png entry"
# every file failing is still exit 1, and an empty folder is fine
mkdir bad empty
: > bad/z.png
expect 1 "$SRGAN" batch bad outb
has "0 ok, 1 failed"
expect 0 "$SRGAN" batch empty oute
has "0 ok, 0 failed, 0 skipped of 0"
exit 0
