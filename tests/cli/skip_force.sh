# Existing outputs are skipped (left untouched) unless --force.
. "$(dirname "$0")/common.sh"
mkdir in out
"$MKIMG" in a.png:20x20x3 b.png:18x14x3 || fail make_images
echo keep > out/a.png
expect 0 "$SRGAN" batch in out --scale 2
has "1 ok, 0 failed, 1 skipped of 2"
[ "$(cat out/a.png)" = keep ] || fail "a skipped output was modified"
cp out/b.png b.first
expect 0 "$SRGAN" batch in out --scale 2
has "0 ok, 0 failed, 2 skipped of 2"
expect 0 "$SRGAN" batch in out --scale 2 --force
has "2 ok, 0 failed, 0 skipped of 2"
[ "$(cat out/a.png)" != keep ] || fail "--force did not replace a.png"
cmp -s out/b.png b.first || fail "b.png changed between identical runs"
[ -z "$(ls -A out | grep -v '^[ab].png$')" ] || fail "stray files: $(ls -A out)"
exit 0
