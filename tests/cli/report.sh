# --report is JSON whatever the file names (quotes, backslashes, control characters, UTF-8), its
# counts add up, an unwritable report or a missing input folder exits 1, and a --force rewrite
# that fails keeps the previous output.
. "$(dirname "$0")/common.sh"
mkdir in
"$MKIMG" in 'q"uote.png:8x8x3' 'back\slash.png:8x8x3' "$(printf 'tab\there.png'):8x8x3" \
    'né.png:8x8x3' ok.png:8x8x1 || fail make_images
printf 'junk' >in/bad.png
expect 1 "$SRGAN" batch in out --scale 2 --report r.json
python3 - r.json <<'PY' || fail "report: $(cat r.json)"
import json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
assert r["total"] == 6 and r["ok"] == 5 and r["failed"] == 1, r
assert r["skipped"] == 0 and r["pending"] == 0 and r["interrupted"] is False, r
assert r["total"] == r["ok"] + r["failed"] + r["skipped"] + r["pending"]
names = sorted(f["input"] for f in r["files"])
assert names == sorted("in/" + n for n in ['q"uote.png', 'back\\slash.png', 'tab\there.png',
                                            'né.png', 'ok.png', 'bad.png']), names
for f in r["files"]:
    bad = f["input"] == "in/bad.png"
    assert f["status"] == ("failed" if bad else "ok"), f
    assert (f["error"] is None) != bad, f
    assert bad or (f["output_width"], f["output_height"]) == (16, 16), f
    if bad:
        assert f["error"].startswith("not a readable PNG"), f  # the reason; the file is "input"
PY

# a report that cannot be written: exit 1, the outputs still there
expect 1 "$SRGAN" batch in out2 --scale 2 --report nodir/r.json
has "nodir/r.json"
[ -s out2/ok.png ] || fail "outputs lost with the report"
# a missing input folder: exit 1 and one line
expect 1 "$SRGAN" batch missing out3
has "srgan: missing: No such file or directory"

# --force over an existing output with an input that now fails: the old output stays, whole
cp out/ok.png before.png
cp in/bad.png in/ok.png
expect 1 "$SRGAN" batch in out --scale 2 --force
has "in/ok.png: not a readable PNG"
cmp -s out/ok.png before.png || fail "a failed --force rewrite changed the previous output"
[ -z "$(ls -A out | grep tmp)" ] || fail "temporary files left: $(ls -A out)"
exit 0
