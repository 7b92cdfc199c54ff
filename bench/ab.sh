#!/usr/bin/env bash
# bench/ab.sh OLD_SRGAN NEW_SRGAN [ROUNDS] - two srgan binaries (e.g. the previous release's,
# built from its commit, and this build) timed alternately on the same jobs, so both see the
# same machine state; prints the best and the median whole-process time of each and new/old.
# Jobs (each pinned to the first THREADS cores, default 2):
#   anime  realesr-animevideov3-x4 (../shared) on one 256x256 photo, fp32
#   photo  the embedded default x4 on the same photo
#   pbench the embedded default, parallel-benchmark 16 x 256x256 (images/s, higher is better)
#   rrdb   realesrgan-x4plus (../shared; RRDB, dense blocks) on a 128x128 crop of the photo
#   waifu  waifu2x upconv_7-scale2x (../shared; valid convolutions) on the 256x256 photo
#   cugan  Real-CUGAN up2x-conservative (../shared; U-Net) on the 256x256 photo
# JOBS="anime rrdb" picks some (default: all six).
# Name the CPU beside the figures (lscpu); speed is never gated in CI.
set -euo pipefail
OLD=$1 NEW=$2 ROUNDS=${3:-5} THREADS=${THREADS:-2}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SR_SHARED:-$ROOT/../shared}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cpus=0-$((THREADS - 1))
convert "$ROOT/docs/samples/butterfly.jpg" -resize 256x256^ \
    -gravity center -extent 256x256 "$T/in.png"
convert "$T/in.png" -gravity center -extent 128x128 "$T/in128.png"
anime="$SHARED/models/realesrgan/realesr-animevideov3-x4.param"
rrdb="$SHARED/models/realesrgan/realesrgan-x4plus.param"
waifu="$SHARED/models/waifu2x/upconv_7-scale2x.param"
cugan="$SHARED/models/realcugan/up2x-conservative.param"
secs() { # whole-process seconds of "$@"
    local s e
    s=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
    e=$(date +%s.%N)
    echo "$e - $s" | bc -l
}
stats() { sort -g | awk '{v[NR]=$1} END {printf "%.3f %.3f\n", v[1], v[int((NR+1)/2)]}'; }
for job in ${JOBS:-anime photo pbench rrdb waifu cugan}; do
    case $job in photo | pbench) model="" ;; *) model=${!job} ;; esac # the ../shared ones
    [ -n "$model" ] && [ ! -f "$model" ] && { echo "$job: skipped (no $model)"; continue; }
    : >"$T/old" && : >"$T/new"
    for _ in $(seq "$ROUNDS"); do
        for who in old new; do
            bin=$OLD && [ $who = new ] && bin=$NEW
            case $job in
            anime) secs taskset -c $cpus "$bin" upscale "$T/in.png" "$T/o.png" --model "$anime" --threads "$THREADS" >>"$T/$who" ;;
            waifu) secs taskset -c $cpus "$bin" upscale "$T/in.png" "$T/o.png" --model "$waifu" --threads "$THREADS" >>"$T/$who" ;;
            cugan) secs taskset -c $cpus "$bin" upscale "$T/in.png" "$T/o.png" --model "$cugan" --threads "$THREADS" >>"$T/$who" ;;
            rrdb) secs taskset -c $cpus "$bin" upscale "$T/in128.png" "$T/o.png" --model "$rrdb" --threads "$THREADS" >>"$T/$who" ;;
            photo) secs taskset -c $cpus "$bin" upscale "$T/in.png" "$T/o.png" --scale 4 --threads "$THREADS" >>"$T/$who" ;;
            pbench) taskset -c $cpus "$bin" parallel-benchmark --images 16 --size 256x256 --large 0x0 \
                        --threads-list "$THREADS" 2>&1 |
                        awk -v t="$THREADS" '$1 == t && NF >= 6 {print 1 / $3; exit}' >>"$T/$who" ;;
            esac
        done
    done
    read -r ob om < <(stats <"$T/old")
    read -r nb nm < <(stats <"$T/new")
    if [ $job = pbench ]; then
        printf '%-7s old %.2f images/s  new %.2f images/s  new/old %.2fx (best of %d)\n' $job \
            "$(echo "1/$ob" | bc -l)" "$(echo "1/$nb" | bc -l)" "$(echo "$ob/$nb" | bc -l)" "$ROUNDS"
    else
        printf '%-7s old %s s (median %s)  new %s s (median %s)  speed-up %.2fx\n' $job "$ob" "$om" \
            "$nb" "$nm" "$(echo "$ob/$nb" | bc -l)"
    fi
done
