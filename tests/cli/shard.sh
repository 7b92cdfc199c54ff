# --shard K/N: the shards of a folder together cover every file exactly once.
. "$(dirname "$0")/common.sh"
mkdir in
"$MKIMG" in a.png:8x8x3 b.png:9x8x3 c.jpg:8x9x3 d.png:10x8x3 e.bmp:8x8x3 || fail make_images
total=0
for k in 0 1 2; do
    expect 0 "$SRGAN" batch in out --scale 2 --shard $k/3 --report r$k.json
    n=$(grep -o '"ok": [0-9]*' r$k.json | grep -o '[0-9]*$')
    total=$((total + n))
done
[ $total = 5 ] || fail "shards processed $total files, expected 5"
[ "$(ls out | tr '\n' ' ')" = "a.png b.png c.png d.png e.png " ] || fail "outputs: $(ls out)"
grep -q '"input": "in/a.png"' r0.json && grep -q '"input": "in/d.png"' r0.json ||
    fail "shard 0 should hold files 0 and 3 of the sorted list"
# docs/cli.md's GNU parallel line on one machine, as written there (srgan from $SRGAN): four
# jobs at once into one folder, every file exactly once, each job's own summary line
if command -v parallel >/dev/null 2>&1; then
    "$MKIMG" in f.png:8x8x3 g.jpg:9x9x3 h.tga:8x8x3 || fail make_images
    srgan() { "$SRGAN" "$@"; }
    export -f srgan
    export SRGAN
    parallel -j4 srgan batch in par --threads 1 --shard {}/4 ::: 0 1 2 3 2>_err >_out ||
        fail "parallel exited $?"
    [ "$(ls par | tr '\n' ' ')" = "a.png b.png c.png d.png e.png f.png g.png h.png " ] ||
        fail "parallel outputs: $(ls par)"
    [ "$(grep -c ' ok, 0 failed, 0 skipped of 2 ' _err)" = 4 ] || fail "parallel summaries"
elif [ "${CI:-}" = true ]; then
    fail "GNU parallel is missing (tests/run.sh installs it)"
else
    echo "note: GNU parallel not installed; its case was not run"
fi
expect 2 "$SRGAN" batch in out --shard 3/3
has "bad or missing value for --shard"
expect 2 "$SRGAN" batch in out --shard 1/0
expect 2 "$SRGAN" batch in out --shard 1
exit 0
