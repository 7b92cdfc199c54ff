#!/bin/sh
# tests/fuzz/run.sh [SECONDS] - builds the libFuzzer targets (clang, ASan+UBSan) in build-fuzz/
# and runs each for SECONDS (default 60) from its seed corpus. With FUZZ_RUNS=N set instead, each
# target runs exactly N inputs from a fixed random seed: the same inputs on any machine, which is
# what CI uses, so a commit's fuzz stage passes or fails the same way every time. New inputs go to a scratch corpus
# in build-fuzz/, never into the repository. A crash stops the script with the input's path:
# fix it, then copy the input into tests/fuzz/regressions/TARGET/ so it is replayed by ctest.
set -eu
cd "$(dirname "$0")/../.."
secs=${1:-60}
if [ -n "${FUZZ_RUNS:-}" ]; then
    limit="-runs=$FUZZ_RUNS -seed=1"
    what="$FUZZ_RUNS inputs, seed 1"
else
    limit="-max_total_time=$secs"
    what="$secs s"
fi
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSR_FUZZ=ON \
    -DSR_BUILD_BENCH=OFF -DSR_BUILD_TESTS=ON >/dev/null
cmake --build build-fuzz -j "$(nproc)" --target fuzz_param fuzz_bin fuzz_image
for t in param bin image; do
    work=build-fuzz/corpus-$t
    mkdir -p "$work" build-fuzz/crashes
    echo "fuzz_$t: $what"
    build-fuzz/tests/fuzz_$t "$work" tests/fuzz/corpus/$t tests/fuzz/regressions/$t \
        $limit -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix=build-fuzz/crashes/$t- -print_final_stats=1 2>build-fuzz/fuzz_$t.log ||
        { tail -40 build-fuzz/fuzz_$t.log; echo "fuzz_$t: crash, see build-fuzz/crashes/"; exit 1; }
    grep -E "^stat::number_of_executed_units|^#[0-9]+.*DONE" build-fuzz/fuzz_$t.log | tail -2
done
