#!/bin/sh
# tests/run.sh - the one test command (README, .ci/run). On Debian 12 it installs what the build
# needs, then:
#   1. release build, every test, then the installed tree and the .deb (tests/install.sh);
#   2. AddressSanitizer + UndefinedBehaviorSanitizer build, every test but the pinned hashes;
#   3. ThreadSanitizer build (clang, LLVM's libomp with its Archer tool so TSan sees OpenMP's
#      synchronisation), the tests that run threads;
#   4. each libFuzzer target on FUZZ_RUNS inputs (default 200000, about a minute each here) from
#      its seed corpus and a fixed seed, so the stage is reproducible.
set -eu
cd "$(dirname "$0")/.."

need="build-essential cmake libstb-dev libcmocka-dev libwebp-dev zlib1g-dev libjpeg-dev clang libomp-dev
      libjpeg-turbo-progs python3-pil imagemagick parallel pkg-config man-db ffmpeg"
missing=""
for p in $need; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "tests/run.sh: installing$missing"
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y $missing
fi

jobs=$(nproc)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DSR_BUILD_TESTS=ON
cmake --build build -j "$jobs"
(cd build && ctest --output-on-failure --no-tests=error -j "$jobs")
# What `cmake --install` and `cpack -G DEB` give a user (DESTDIR, man, pkg-config, completion).
tests/install.sh build

# The same suite with AddressSanitizer + UndefinedBehaviorSanitizer (-O2: fast enough for CI).
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSR_SANITIZE=ON -DSR_BUILD_TESTS=ON -DSR_BUILD_BENCH=OFF
cmake --build build-asan -j "$jobs"
# Not cli_pinned: it checks bytes, not memory, and its portable-kernel RRDB runs take many minutes
# under the sanitizers (the release stage runs it).
(cd build-asan && ctest --output-on-failure --no-tests=error -j "$jobs" -E '^cli_pinned$')

# ThreadSanitizer. libomp itself is not instrumented: its internals are ignored, and Archer
# (shipped with libomp) tells TSan about OpenMP's barriers and atomics.
archer=$(ls /usr/lib/llvm-*/lib/libarcher.so 2>/dev/null | tail -n 1)
[ -n "$archer" ] || { echo "tests/run.sh: libarcher.so (package libomp-dev) not found"; exit 1; }
CC=clang cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSR_TSAN=ON -DSR_BUILD_TESTS=ON -DSR_BUILD_BENCH=OFF
cmake --build build-tsan -j "$jobs"
(cd build-tsan && OMP_TOOL_LIBRARIES="$archer" \
    TSAN_OPTIONS="ignore_noninstrumented_modules=1 halt_on_error=1 exitcode=66" \
    ctest --output-on-failure --no-tests=error -j "$jobs" -R '^(conv|image|batch|upscale|golden|train|cli_determinism|cli_interrupt|cli_train_cmd)$')

FUZZ_RUNS="${FUZZ_RUNS:-200000}" tests/fuzz/run.sh
echo "tests/run.sh: all passed (release, ASan+UBSan, TSan, fuzzing)"
