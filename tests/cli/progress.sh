# The progress line: a bar that moves with tiles (a fraction of an image shows) when stderr is a
# terminal, for batch and upscale; nothing but the summary when it is not.
. "$(dirname "$0")/common.sh"
command -v script >/dev/null || fail "script (bsdutils) is missing"
mkdir in
"$MKIMG" in a.png:160x120x3 b.png:130x90x3 || fail make_images
# under a pseudo-terminal (script), one thread so images go one at a time
script -qec "'$SRGAN' batch in out --scale 2 --tile 32 --threads 1" /dev/null | tr '\r' '\n' >tty.txt
grep -q '^.\[K\[#*\.\.*\] *[0-9]*% 0\.[0-9]/2 images, 0 failed' tty.txt ||
    fail "no bar before the first image finished: $(head -c 600 tty.txt)"
grep -q '100% 2\.0/2 images' tty.txt || fail "no full bar"
grep -q '^.\[Ksrgan: 2 ok, 0 failed, 0 skipped of 2 ' tty.txt || fail "summary after the bar"
script -qec "'$SRGAN' upscale in/a.png up.png --scale 2 --tile 32 --threads 1" /dev/null |
    tr '\r' '\n' >tty2.txt
grep -q '\] *[0-9]*% [0-9]*/20 tiles, ETA' tty2.txt || fail "upscale bar: $(head -c 600 tty2.txt)"
# -q: no bar even on a terminal
script -qec "'$SRGAN' batch in out2 --scale 2 -q" /dev/null | tr '\r' '\n' >tty3.txt
grep -q '%' tty3.txt && fail "-q drew a bar"
# not a terminal: the summary alone
expect 0 "$SRGAN" batch in out3 --scale 2 --tile 32
[ "$(wc -l <_err)" = 1 ] && ! grep -q "$(printf '\r')" _err || fail "non-tty output: $(cat _err)"
exit 0
