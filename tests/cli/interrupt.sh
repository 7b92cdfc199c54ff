# SIGINT/SIGTERM: running images finish, the rest stay pending, the summary and report are
# written, exit 128+signal; running the command again completes only what is missing.
. "$(dirname "$0")/common.sh"
mkdir in
specs=""
for i in $(seq 10 49); do specs="$specs img$i.png:128x128x3"; done
"$MKIMG" in $specs || fail make_images

# The signal is sent once the run has written an output (srgan's handler is installed by then: a
# signal before it would kill the process, which also exits 128+signal but prints no summary).
pngs() { ls out 2>/dev/null | grep -c '\.png$'; }
wait_for_output() { # PID BEFORE: until there are more outputs than BEFORE, counted before PID started
    local end=$((SECONDS + 300))
    until [ "$(pngs)" -gt "$2" ]; do
        kill -0 "$1" 2>/dev/null && [ $SECONDS -lt $end ] || { kill -9 "$1"; fail "no new output"; }
        sleep 0.02
    done
}

stop_after_first_output() { # SIGNAL REPORT
    local before pid
    before=$(pngs)
    "$SRGAN" batch in out --scale 2 --threads 2 --report "$2" 2>_err &
    pid=$!
    wait_for_output $pid "$before"
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
has "stopping after the images in progress"
has "interrupted, run again to finish"
grep -q '"interrupted": true' r2.json || fail "report: interrupted"
done2=$(ls out | wc -l)
[ "$done2" -ge "$done1" ] || fail "SIGTERM lost outputs"

expect 0 "$SRGAN" batch in out --scale 2 --threads 2
has "$((40 - done2)) ok, 0 failed, $done2 skipped of 40"
[ "$(ls out | wc -l)" = 40 ] || fail "not every output exists after the resume"

# A second signal ends the process at once: no summary, and the image in progress (seconds of
# work on one thread) is not written, whole or half.
rm -rf in out && mkdir in
"$MKIMG" in a.png:32x32x3 b.png:640x640x3 c.png:640x640x3 || fail make_images
"$SRGAN" batch in out --scale 2 --threads 1 2>_err &
pid=$!
wait_for_output $pid 0
kill -INT $pid
end=$((SECONDS + 60))
until grep -q "stopping after the images in progress" _err || [ $SECONDS -ge $end ]; do sleep 0.02; done
kill -INT $pid
wait $pid
rc=$?
[ $rc = 130 ] || fail "second SIGINT: exit $rc, expected 130"
has "stopping after the images in progress"
grep -q "run again to finish" _err && fail "the second signal still let the batch finish: $(cat _err)"
[ "$(ls -A out)" = a.png ] || fail "second SIGINT left: $(ls -A out)"
exit 0
