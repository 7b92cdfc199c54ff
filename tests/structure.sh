#!/bin/sh
# tests/structure.sh SRC OBJDIR - the layering check (tests/structure.py) on the real tree, after
# proving on a small bad tree that it finds each kind of fault it claims to.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/srgan-structure-XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/src/low" "$T/src/high" "$T/src/kernels" "$T/src/cli" "$T/include" "$T/obj"
printf 'int high(void);\nint low(void) { return high(); }\n' >"$T/src/low/low.c"
printf 'int low(void);\nint high(void) { return low(); }\n' >"$T/src/high/high.c"
printf 'int k(void);\n' >"$T/src/low/low.h"
printf 'void kern(int *x) {\n#pragma omp parallel\n    x[0] = 1;\n}\n' >"$T/src/kernels/k.c"
printf '#include "../low/low.h"\nint main(void) { return 0; }\n' >"$T/src/cli/main.c"
printf 'void sr_model_set_family(void *m, int f);\n' >"$T/include/srgan.h"
for f in low/low high/high kernels/k cli/main; do
    mkdir -p "$T/obj/$(dirname "$f")"
    cc -fopenmp -c "$T/src/$f.c" -o "$T/obj/$f.c.o"
done
if python3 "$here/structure.py" "$T/src" "$T/obj" >"$T/out"; then
    echo "FAIL: structure.py passed a tree with every fault"; cat "$T/out"; exit 1
fi
for want in "cycle between files: high/high.c -> low/low.c, low/low.c -> high/high.c" \
    "cycle between folders: high -> low, low -> high" \
    "cli/main.c: includes low/low.h" \
    "kernels/k.c: starts an OpenMP parallel region" \
    "sr_model_set_family: a setter on a loaded model"; do
    grep -qF -- "$want" "$T/out" || { echo "FAIL: structure.py did not report: $want"; cat "$T/out"; exit 1; }
done
python3 "$here/structure.py" "$1" "$2"
