# The same files, byte for byte, whatever the thread count, tile size or parallel path.
. "$(dirname "$0")/common.sh"
mkdir in
"$MKIMG" in a.png:50x40x3 b.png:31x47x4 c.jpg:64x20x3 d.png:23x23x1 || fail make_images
expect 0 "$SRGAN" batch in o1 --threads 1
expect 0 "$SRGAN" batch in o2 --threads 2
expect 0 "$SRGAN" batch in o3 --sequential --tile 16
expect 0 "$SRGAN" batch in o4 --threads 8 --tile 24
for f in a b c d; do
    for o in o2 o3 o4; do
        cmp -s "o1/$f.png" "$o/$f.png" || fail "$o/$f.png differs from the 1-thread output"
    done
done
exit 0
