#!/usr/bin/env bash
# bench/onednn.sh [ROUNDS] [SIZE] - srgan's 3x3 64->64 body convolution (bench-conv) beside
# oneDNN's own direct convolution (bench/onednn.c; Debian's libdnnl-dev, a benchmark reference
# only), alternately, on one core, ROUNDS times (default 3) on a SIZE x SIZE tile (default 256).
# Each round prints bench-conv's rows for the shape and oneDNN's fp32 and bf16 rates as % of the
# FMA peak bench-conv measured in that round. Name the CPU beside the figures (lscpu).
set -euo pipefail
ROUNDS=${1:-3} SIZE=${2:-256}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BC=${BENCH_CONV:-$ROOT/build/bench/bench-conv}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cc -O2 "$ROOT/bench/onednn.c" -ldnnl -o "$T/onednn" ||
    { echo "onednn.sh: needs libdnnl-dev (apt-get install -y libdnnl-dev)" >&2; exit 1; }
for r in $(seq "$ROUNDS"); do
    echo "round $r"
    OMP_NUM_THREADS=1 taskset -c 0 "$BC" "body 64->64 ${SIZE}x${SIZE}" >"$T/bc"
    peak=$(awk '/1 thread\(s\)/ {print $4; exit}' "$T/bc")
    grep -E "1 thread|body" "$T/bc"
    OMP_NUM_THREADS=1 taskset -c 0 "$T/onednn" "$SIZE" 64 |
        awk -v p="$peak" '{g = $(NF - 2); printf "%s  %.1f%% of peak\n", $0, 100 * g / p}'
done
