#!/bin/sh
# bench/soak.sh [N] - a long batch: N generated 16x16 images (default 10000) through the embedded
# x2 model on all cores, then checks the counts and compares peak memory with a 100-image run.
# Peak RSS must not grow with the number of images. Takes a few minutes on 2 cores; not in CI.
set -eu
cd "$(dirname "$0")/.."
n=${1:-10000}
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" --target srgan-cli make_images >/dev/null
dir=$(mktemp -d "${TMPDIR:-/tmp}/srgan-soak-XXXXXX")
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/in"
i=0
while [ $i -lt "$n" ]; do # in chunks, to keep each command line short
    specs=""
    j=0
    while [ $j -lt 500 ] && [ $i -lt "$n" ]; do
        specs="$specs $(printf 'img%06d.png' $i):16x16x3"
        i=$((i + 1)) j=$((j + 1))
    done
    build/tests/make_images "$dir/in" $specs
done
mkdir "$dir/in100"
ls "$dir/in" | head -n 100 | while read -r f; do cp "$dir/in/$f" "$dir/in100/"; done

peak() { sed -n 's/.*"peak_rss_mb": \([0-9.]*\).*/\1/p' "$1"; }
count() { sed -n "s/.*\"$2\": \\([0-9]*\\),.*/\\1/p" "$1" | head -n 1; }

build/srgan batch "$dir/in100" "$dir/out100" --scale 2 -q --report "$dir/r100.json"
build/srgan batch "$dir/in" "$dir/out" --scale 2 -q --report "$dir/r.json"
ok=$(count "$dir/r.json" ok)
files=$(ls "$dir/out" | wc -l)
echo "soak: $n images: ok $ok, failed $(count "$dir/r.json" failed), outputs $files"
echo "soak: peak RSS $(peak "$dir/r100.json") MB at 100 images, $(peak "$dir/r.json") MB at $n images"
echo "soak: $(sed -n 's/.*"processing_time_seconds": \([0-9.]*\).*/\1/p' "$dir/r.json") s," \
    "$(sed -n 's/.*"images_per_second": \([0-9.]*\).*/\1/p' "$dir/r.json") images/s"
[ "$ok" = "$n" ] && [ "$files" = "$n" ] || { echo "soak: FAILED: counts"; exit 1; }
