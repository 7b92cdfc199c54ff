# An unreadable input fails alone; an output folder that cannot be written stops the batch with
# one message. Permissions do not bind root, so as root srgan runs as nobody (setpriv).
. "$(dirname "$0")/common.sh"
as=""
if [ "$(id -u)" = 0 ]; then
    command -v setpriv >/dev/null || fail "running as root needs setpriv (util-linux)"
    as="setpriv --reuid=nobody --regid=nogroup --clear-groups"
    chmod 755 "$T"
fi
mkdir in ro
"$MKIMG" in a.png:8x8x3 b.png:8x8x3 || fail make_images
chmod 000 in/b.png
chmod 555 ro
mkdir out && chmod 777 out
expect 1 $as "$SRGAN" batch in out --scale 2
has "srgan: in/b.png: Permission denied"
has "1 ok, 1 failed"
expect 1 $as "$SRGAN" batch in ro --scale 2
has "srgan: ro: output folder is not writable: Permission denied"
[ -z "$(ls -A ro)" ] || fail "something was written to ro"
exit 0
