# JPEG inputs: the quality srgan reads from files written by PIL and by ImageMagick at 10-100,
# what `srgan degrade` makes against what PIL's encoder and decoder make, and --denoise's
# usage errors.
. "$(dirname "$0")/common.sh"
need() { # the tools this test compares against; missing: skipped, or failed under CI=true
    command -v "$1" >/dev/null 2>&1 && return 0
    [ "${CI:-}" = true ] && fail "$1 is missing (tests/run.sh installs it)"
    echo "skipped: $1 not installed"; exit 77
}
PY=/usr/bin/python3 # Debian's, with python3-pil
need $PY; need convert
$PY -c 'import PIL' 2>/dev/null || need python3-pil-module
"$MKIMG" . src.png:96x80x3 || fail make_images
mkdir in
for q in 10 20 30 40 50 60 70 75 80 85 90 95 100; do
    $PY -c "from PIL import Image; Image.open('src.png').convert('RGB').save('in/pil$q.jpg', quality=$q)"
    convert src.png -quality $q in/im$q.jpg
done
expect 0 "$SRGAN" batch in out --scale 2 --report r.json -q
for q in 10 20 30 40 50 60 70 75 80 85 90 95 100; do
    for w in pil im; do
        got=$(grep -o "\"input\": \"in/$w$q.jpg\"[^}]*\"jpeg_quality\": [0-9]*" r.json | sed 's/.* //')
        [ -n "$got" ] && [ $((got - q)) -le 2 ] && [ $((q - got)) -le 2 ] ||
            fail "$w at quality $q read as '$got'"
    done
done

# the degradation's JPEG is libjpeg's (byte-identical to PIL's, see test_jpeg); srgan decodes
# it with its own decoder (stb), as it decodes users' JPEGs. stb's IDCT and chroma upsampling
# round differently from libjpeg's: measured max 3 levels, 98% of values within 1
expect 0 "$SRGAN" degrade src.png d75.png --degrade jpeg=75
$PY - <<'PY' || fail "degrade jpeg=75 differs from PIL's quality-75 JPEG"
from PIL import Image, ImageChops
Image.open('src.png').convert('RGB').save('p75.jpg', quality=75)
d = ImageChops.difference(Image.open('p75.jpg').convert('RGB'), Image.open('d75.png').convert('RGB'))
hist = [0] * 256
for band in d.split():
    for v, n in enumerate(band.histogram()):
        hist[v] += n
total = sum(hist)
assert max(v for v in range(256) if hist[v]) <= 3, hist[:8]
assert (hist[0] + hist[1]) / total >= 0.97, hist[:8]
PY
# the same spec and seed make the same image; another seed, another draw
expect 0 "$SRGAN" degrade src.png r1.png --degrade jpeg=20-90,noise=1-4 --seed 3
expect 0 "$SRGAN" degrade src.png r2.png --degrade jpeg=20-90,noise=1-4 --seed 3
expect 0 "$SRGAN" degrade src.png r3.png --degrade jpeg=20-90,noise=1-4 --seed 4
cmp -s r1.png r2.png || fail "same seed, different output"
cmp -s r1.png r3.png && fail "different seeds, same output"
expect 2 "$SRGAN" degrade src.png x.png --degrade jpeg=101
has "degradation 'jpeg=101': want blur=SIGMA, noise=LEVELS or jpeg=QUALITY"
# a lossy OUT would compress the degraded pixels again at another quality: refused
expect 2 "$SRGAN" degrade src.png x.jpg --degrade jpeg=75
has "OUT needs a .png, .bmp or .tga extension (lossless"
[ -e x.jpg ] && fail "degrade wrote a JPEG"

# --denoise: values, and a fixed strength on a model that cannot denoise
expect 2 "$SRGAN" batch in out2 --denoise 1.5
has "bad or missing value for --denoise"
expect 2 "$SRGAN" upscale src.png o.png --denoise 0.5 --model realesr-animevideov3-x2
has "--denoise 0.5: model realesr-animevideov3-x2 has no JPEG-trained twin"
[ -e o.png ] && fail "an output was written after a usage error"

# The embedded photo models' twins at work: on the sample photos saved as JPEG quality 75, auto
# (strength 1 there) gains far more over bicubic than the clean net (measured at x4: +0.740
# against +0.336 dB); on the photos themselves auto is the clean net, to the last digit.
samples="$(cd "$(dirname "$0")/../.." && pwd)/docs/samples"
gain() { "$SRGAN" eval --hr "$samples" --scale 4 "$@" 2>/dev/null | awk '/^mean/{print $NF}'; }
clean=$(gain --jpeg 75 --denoise 0) auto=$(gain --jpeg 75)
python3 -c "import sys; sys.exit(not float('$auto') > float('$clean') + 0.3)" ||
    fail "x4 at JPEG q75: auto $auto dB, clean $clean dB over bicubic"
[ "$(gain)" = "$(gain --denoise 0)" ] || fail "auto changed a clean input"
exit 0
