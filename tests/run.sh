#!/bin/sh
# tests/run.sh - the one test command (README, .ci/run). On Debian 12 it installs what the build
# needs, builds the release configuration and runs every test, then builds again with
# AddressSanitizer + UndefinedBehaviorSanitizer and runs every test there too.
set -eu
cd "$(dirname "$0")/.."

need="build-essential cmake libstb-dev libcmocka-dev"
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

# The same suite with AddressSanitizer + UndefinedBehaviorSanitizer (-O2: fast enough for CI).
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSR_SANITIZE=ON -DSR_BUILD_TESTS=ON -DSR_BUILD_BENCH=OFF
cmake --build build-asan -j "$jobs"
(cd build-asan && ctest --output-on-failure --no-tests=error -j "$jobs")
echo "tests/run.sh: all tests passed (release and ASan+UBSan)"
