#!/bin/sh
# tests/install.sh BUILD_DIR - what a user gets from `cmake --install` and `cpack -G DEB`:
# installs into a DESTDIR and checks the program on docs/samples, the man page (man -l, no
# warnings), the example built with pkg-config against the installed library, find_package,
# bash completion, and the .deb's files and dependencies (installed and removed with dpkg when
# run as root on a machine without srgan installed).
set -eu
build=$(cd "$1" && pwd)
cd "$(dirname "$0")/.."
src=$(pwd)
T=$(mktemp -d /tmp/srgan-install-XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

D=$T/root
DESTDIR=$D cmake --install "$build" --prefix /usr >/dev/null
P=$D/usr
libdir=$(cd "$P" && dirname "$(find . -name libsrgan.so.0 | head -n 1)" | sed "s,^\./,,")
[ -f "$P/$libdir/libsrgan.so.0" ] || fail "no libsrgan.so.0 installed"
[ "$(readlink "$P/$libdir/libsrgan.so")" = libsrgan.so.0 ] || fail "libsrgan.so is not the soname link"
objdump -p "$P/$libdir/libsrgan.so.0" | grep -q 'SONAME *libsrgan.so.0$' || fail "soname"
for f in bin/srgan include/srgan.h share/man/man1/srgan.1 share/bash-completion/completions/srgan \
         share/zsh/vendor-completions/_srgan "$libdir/pkgconfig/srgan.pc" \
         "$libdir/cmake/srgan/srganConfig.cmake"; do
    [ -e "$P/$f" ] || fail "not installed: $f"
done

# the installed program on the samples
"$P/bin/srgan" batch docs/samples "$T/samples-x4" -q 2>"$T/err" || fail "installed srgan: $(cat "$T/err")"
grep -q "^srgan: 3 ok, 0 failed, 0 skipped of 3 " "$T/err" || fail "summary: $(cat "$T/err")"

# the man page renders without a warning
MANWIDTH=80 man --warnings -l "$P/share/man/man1/srgan.1" >"$T/man.txt" 2>"$T/man.err"
[ ! -s "$T/man.err" ] || fail "man -l warns: $(cat "$T/man.err")"
grep -q "upscale images 2x, 3x or 4x" "$T/man.txt" || fail "man page text"

# the example against the installed library, through pkg-config; and through find_package
export PKG_CONFIG_PATH="$P/$libdir/pkgconfig"
[ "$(pkg-config --modversion srgan)" = "$("$P/bin/srgan" version | head -n 1 | awk '{print $2}')" ] ||
    fail "pkg-config version $(pkg-config --modversion srgan) differs from srgan version"
cc examples/upscale.c $(pkg-config --cflags --libs srgan) -o "$T/upscale" || fail "example build"
LD_LIBRARY_PATH="$P/$libdir" "$T/upscale" docs/samples/blossom.jpg "$T/b.png" >"$T/out" ||
    fail "example run"
grep -q "docs/samples/blossom.jpg: .* -> $T/b.png" "$T/out" || fail "example output: $(cat "$T/out")"
mkdir "$T/cm"
cat >"$T/cm/CMakeLists.txt" <<CM
cmake_minimum_required(VERSION 3.18)
project(use_srgan C)
find_package(srgan 0.2 REQUIRED)
add_executable(upscale $src/examples/upscale.c)
target_link_libraries(upscale srgan::srgan)
CM
cmake -S "$T/cm" -B "$T/cm/b" -DCMAKE_PREFIX_PATH="$P" >/dev/null || fail "find_package(srgan)"
cmake --build "$T/cm/b" >/dev/null || fail "build with find_package"

# bash completion: commands, options, model names
out=$(bash -c ". '$P/share/bash-completion/completions/srgan'
    c() { COMP_WORDS=(\"\$@\"); COMP_CWORD=\$((\$# - 1)); _srgan; echo \"\${COMPREPLY[*]}\"; }
    c '$P/bin/srgan' ba; c '$P/bin/srgan' batch --mo; c '$P/bin/srgan' upscale --model srgan-photo-x")
[ "$(echo "$out" | sed -n 1p)" = batch ] || fail "completion of 'srgan ba': $out"
[ "$(echo "$out" | sed -n 2p)" = --model ] || fail "completion of '--mo': $out"
echo "$out" | sed -n 3p | grep -q "srgan-photo-x2 srgan-photo-x3 srgan-photo-x4" ||
    fail "completion of model names: $out"

# the .deb
(cd "$build" && cpack -G DEB >/dev/null) || fail "cpack -G DEB"
deb=$(ls "$build"/srgan_*.deb | head -n 1)
dpkg-deb -c "$deb" >"$T/files"
for f in ./usr/bin/srgan ./usr/include/srgan.h ./usr/share/man/man1/srgan.1 \
         "./usr/$libdir/libsrgan.so.0.2.0"; do
    grep -q " $f" "$T/files" || fail ".deb lacks $f"
done
deps=$(dpkg-deb -f "$deb" Depends)
for d in libc6 libgomp1 libwebp7 libjpeg62-turbo zlib1g; do
    echo "$deps" | grep -q "$d" || fail ".deb Depends lacks $d: $deps"
done
echo "deb: $(basename "$deb"), Depends: $deps"
if [ "$(id -u)" = 0 ] && ! dpkg -s srgan >/dev/null 2>&1 && [ ! -e /usr/bin/srgan ]; then
    dpkg -i "$deb" >/dev/null || fail "dpkg -i"
    /usr/bin/srgan version >/dev/null || fail "the installed package does not run"
    dpkg -r srgan >/dev/null || fail "dpkg -r"
    [ ! -e /usr/bin/srgan ] || fail "dpkg -r left /usr/bin/srgan"
fi
echo "tests/install.sh: 1 passed, 0 failed"
