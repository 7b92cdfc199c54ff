# Awkward names, a folder named like an image, and a full disk (ulimit -f): each bad case fails
# alone with its reason, nothing partial is left, the rest of the batch goes on.
. "$(dirname "$0")/common.sh"
mkdir in
"$MKIMG" in "with space.png:8x8x3" "ünïcödé.png:8x8x3" "-dash.png:8x8x3" || fail make_images
mkdir in/folder.png
expect 1 "$SRGAN" batch in out --scale 2
has "3 ok, 1 failed, 0 skipped of 4"
has "srgan: in/folder.png: "
[ -f "out/with space.png" ] && [ -f "out/ünïcödé.png" ] && [ -f "out/-dash.png" ] ||
    fail "outputs: $(ls out)"
# a leading dash after -- is a path, not an option
expect 0 "$SRGAN" upscale --scale 2 -- in/-dash.png -out.png
[ -f ./-out.png ] || fail "-out.png not written"

# file size limit: the big output fails with the system's reason, the small one is written
mkdir fs
"$MKIMG" fs big.png:160x160x3 small.png:8x8x3 || fail make_images
( ulimit -f 64; "$SRGAN" batch fs fsout --scale 2 --threads 1 ) 2>_err
rc=$?
[ $rc = 1 ] || fail "ulimit -f: exit $rc, expected 1"
has "srgan: fs/big.png: "
has "File too large"
has "1 ok, 1 failed"
[ "$(ls -A fsout | tr '\n' ' ')" = "small.png " ] || fail "left in fsout: $(ls -A fsout)"
exit 0
