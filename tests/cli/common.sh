# common.sh - sourced by the CLI tests: arguments, a scratch folder, and small assertions.
# Usage of a test: bash TEST.sh SRGAN MAKE_IMAGES
set -u
SRGAN=$1
MKIMG=$2
T=$(mktemp -d /tmp/srgan-cli-XXXXXX)
trap 'chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT
cd "$T" || exit 1

fail() {
    echo "FAIL: $*" >&2
    [ -f _err ] && { echo "--- stderr was:" >&2; cat _err >&2; }
    exit 1
}

# expect CODE CMD...: runs CMD with stdout into ./_out, stderr into ./_err, and checks its exit code.
expect() {
    local want=$1
    shift
    "$@" 2>_err >_out
    local rc=$?
    [ "$rc" = "$want" ] || fail "exit $rc, expected $want: $*"
}

has() { grep -qF -- "$1" _err || fail "stderr lacks: $1"; }
