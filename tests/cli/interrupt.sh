# SIGINT/SIGTERM: running images finish, the rest stay pending, the summary and report are
# written, exit 128+signal; running the command again completes only what is missing.
. "$(dirname "$0")/common.sh"
mkdir in
specs=""
for i in $(seq 10 49); do specs="$specs img$i.png:128x128x3"; done
"$MKIMG" in $specs || fail make_images

stop_after_first_output() { # SIGNAL REPORT
    "$SRGAN" batch in out --scale 2 --threads 2 --report "$2" 2>_err &
    local pid=$! n=0
    while [ -z "$(ls out 2>/dev/null | grep '\.png$')" ] && [ $n -lt 600 ]; do
        sleep 0.05
        n=$((n + 1))
    done
    kill -s "$1" $pid
    wait $pid
}

stop_after_first_output INT r1.json
rc=$?
[ $rc = 130 ] || fail "SIGINT: exit $rc, expected 130"
has "stopping after the images in progress"
has "not started of 40"
has "interrupted, run again to finish"
grep -q '"interrupted": true' r1.json || fail "report: interrupted"
done1=$(ls out | wc -l)
[ "$done1" -lt 40 ] || fail "nothing was left pending"
[ -z "$(ls -A out | grep tmp)" ] || fail "temporary files left: $(ls -A out)"
grep -q "\"ok\": $done1," r1.json || fail "report ok count is not the $done1 files written"
# every file written is a whole image
for f in out/*.png; do
    "$SRGAN" resize "$f" check.png --scale 1 -q || fail "$f is not a whole image"
done

stop_after_first_output TERM r2.json
rc=$?
[ $rc = 143 ] || fail "SIGTERM: exit $rc, expected 143"
done2=$(ls out | wc -l)

expect 0 "$SRGAN" batch in out --scale 2 --threads 2
has "$((40 - done2)) ok, 0 failed, $done2 skipped of 40"
[ "$(ls out | wc -l)" = 40 ] || fail "not every output exists after the resume"
exit 0
