# srgan video: a clip upscaled with the same frames, rate and duration and its audio copied
# sample for sample; the frames equal `srgan batch` on the frames ffmpeg extracts (no drift);
# SIGINT leaves no OUT; a missing ffmpeg or a file without video says so in one line.
. "$(dirname "$0")/common.sh"
if ! command -v ffmpeg >/dev/null || ! command -v ffprobe >/dev/null; then
    [ "${CI:-}" = true ] && fail "ffmpeg is missing (tests/run.sh installs it)"
    echo "skipped: ffmpeg not installed"; exit 77
fi
probe() { ffprobe -v error -select_streams "$2" -show_entries "$3" -of default=nw=1:nk=1 "$1"; }
ffmpeg -v error -f lavfi -i testsrc=size=160x90:rate=25:duration=2 \
    -f lavfi -i sine=frequency=440:duration=2 -c:v libx264 -pix_fmt yuv420p -c:a aac in.mp4 ||
    fail "making the clip"

expect 0 "$SRGAN" video in.mp4 out.mp4
has "in.mp4 -> out.mp4 (50 frames, 160x90 -> 640x360"
[ "$(probe out.mp4 v:0 stream=width,height | tr '\n' x)" = 640x360x ] || fail "size"
[ "$(probe out.mp4 v:0 stream=r_frame_rate)" = 25/1 ] || fail "rate $(probe out.mp4 v:0 stream=r_frame_rate)"
[ "$(probe out.mp4 v:0 stream=nb_frames)" = 50 ] || fail "frames $(probe out.mp4 v:0 stream=nb_frames)"
[ "$(probe out.mp4 v:0 stream=duration)" = "$(probe in.mp4 v:0 stream=duration)" ] || fail "duration"
[ "$(probe out.mp4 v:0 stream=sample_aspect_ratio)" = 1:1 ] || fail "pixel aspect"
a=$(ffmpeg -v error -i in.mp4 -map 0:a -f md5 -) && b=$(ffmpeg -v error -i out.mp4 -map 0:a -f md5 -)
[ -n "$a" ] && [ "$a" = "$b" ] || fail "decoded audio differs: $a / $b"
ls -A | grep -q '\.tmp-' && fail "a temporary file was left: $(ls -A)"

# the video path adds no drift: a lossless encode (ffv1, RGB) decodes to exactly batch's frames
ffmpeg -v error -i in.mp4 -t 0.4 -c:v libx264 -pix_fmt yuv420p -an short.mp4 || fail "short clip"
mkdir frames
ffmpeg -v error -i short.mp4 -fps_mode passthrough -pix_fmt rgb24 frames/f%03d.png || fail "extract"
expect 0 "$SRGAN" batch frames up --scale 2
expect 0 "$SRGAN" video short.mp4 up.mkv --scale 2 --codec ffv1
ffmpeg -v error -i 'up/f%03d.png' -f rawvideo -pix_fmt rgb24 batch.rgb || fail "batch frames"
ffmpeg -v error -i up.mkv -fps_mode passthrough -f rawvideo -pix_fmt rgb24 video.rgb || fail "decode"
[ -s batch.rgb ] && cmp -s batch.rgb video.rgb || fail "video frames differ from batch's"

# srgan stream: YUV4MPEG2 in and out, the header kept but for the size, every frame; its colour
# conversion (BT.601) against the RGB path: a frame within 40 dB of `srgan upscale` of it
ffmpeg -v error -i short.mp4 -f yuv4mpegpipe - >in.y4m || fail "y4m"
expect 0 "$SRGAN" stream --scale 2 <in.y4m
mv _out out.y4m
[ "$(head -n 1 out.y4m)" = "$(head -n 1 in.y4m | sed 's/W160 H90/W320 H180/')" ] ||
    fail "y4m header: $(head -n 1 out.y4m)"
[ "$(grep -ac '^FRAME' out.y4m)" = "$(grep -ac '^FRAME' in.y4m)" ] || fail "y4m frame count"
ffmpeg -v error -i out.y4m -frames:v 1 s1.png && ffmpeg -v error -i frames/f001.png -f null - ||
    fail "y4m decode"
expect 0 "$SRGAN" psnr up/f001.png s1.png
db=$(sed 's/PSNR \([0-9]*\).*/\1/' _out)
[ "$db" -ge 40 ] || fail "stream frame vs upscale: $(cat _out)"
printf 'P5 1 1 255\n0' | "$SRGAN" stream 2>_err >/dev/null; [ $? = 1 ] || fail "stream on junk"
has "srgan stream: standard input: not a YUV4MPEG2 stream"
ffmpeg -v error -i short.mp4 -pix_fmt yuv420p10le -strict -1 -f yuv4mpegpipe - 2>/dev/null |
    "$SRGAN" stream 2>_err >/dev/null
has "only 8-bit 4:2:0, 4:2:2, 4:4:4 and mono YUV4MPEG2 are supported"

# SIGINT once the encoder has written frames (ffv1: no lookahead to wait for): exit 130, no OUT, no
# temporary left. The wait has a deadline, not a count: a sanitizer build is many times slower.
# The background run must not keep ctest's stdout open, and dies with the test if it fails.
ffmpeg -v error -f lavfi -i testsrc=size=96x64:rate=25:duration=60 -c:v libx264 long.mp4 ||
    fail "long clip"
"$SRGAN" video long.mp4 stop.mkv --threads 1 --scale 2 --codec ffv1 >/dev/null 2>_err &
pid=$!
trap 'kill -9 $pid 2>/dev/null; chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT
end=$((SECONDS + 300))
while [ -z "$(find . -maxdepth 1 -name '.stop.tmp-*.mkv' -size +0)" ] && [ $SECONDS -lt $end ]; do
    kill -0 $pid 2>/dev/null || break
    sleep 0.1
done
[ -n "$(find . -maxdepth 1 -name '.stop.tmp-*.mkv' -size +0)" ] || fail "the encoder never started"
kill -INT $pid
wait $pid
rc=$?
[ $rc = 130 ] || fail "SIGINT: exit $rc, expected 130"
has "srgan: stopping; no output will be written"
[ -e stop.mkv ] && fail "SIGINT left stop.mkv"
ls -A | grep -q '\.tmp-' && fail "SIGINT left a temporary: $(ls -A)"

# no ffmpeg on PATH; a file without a video stream; one that is not a video at all
expect 2 env PATH=/nonexistent "$SRGAN" video in.mp4 x.mp4
has "srgan video: ffmpeg and ffprobe are needed on PATH"
[ "$(wc -l <_err)" = 1 ] || fail "more than one line: $(cat _err)"
ffmpeg -v error -f lavfi -i sine=duration=1 -c:a flac sound.mka || fail "audio file"
expect 1 "$SRGAN" video sound.mka x.mkv
has "srgan: sound.mka: no video stream"
echo "not a video" >junk.mp4
expect 1 "$SRGAN" video junk.mp4 x.mp4
has "srgan: junk.mp4: "
[ -e x.mp4 ] || [ -e x.mkv ] && fail "an output was written for a bad input"
exit 0
