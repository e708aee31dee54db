#!/bin/sh
# tap-summary.sh DIR: gather DIR/*.tap into DIR/all.tap, list the failures
# (the first 40, each after the name of its file: the kernel or the job),
# print "N passed, N failed, N skipped[, N failed as expected (TODO)]", and
# exit non-zero unless something passed and nothing failed
# (scripts/check.sh, scripts/redis-suite.sh).  The list comes last but one,
# where a log cut to its end still shows what failed.
set -u
out=$1
rm -f "$out/all.tap"
cat "$out"/*.tap > "$out/all.tap.new" && mv "$out/all.tap.new" "$out/all.tap"
for f in "$out"/*.tap; do
	[ "$f" != "$out/all.tap" ] || continue
	grep -E '^not ok' "$f" | grep -vE '^not ok .*# TODO' |
		sed "s|^|# failed in $(basename "$f" .tap): |"
done > "$out/failed.txt"
head -n 40 "$out/failed.txt"
n=$(wc -l < "$out/failed.txt")
[ "$n" -le 40 ] || echo "# ... and $(( n - 40 )) more failures (all.tap)"
skipped=$(grep -cE '^ok .*# SKIP' "$out/all.tap")
passed=$(( $(grep -cE '^ok ' "$out/all.tap") - skipped ))
# "not ok ... # TODO": a failure expected, and said why (TAP's meaning).
todo=$(grep -cE '^not ok .*# TODO' "$out/all.tap")
failed=$(( $(grep -cE '^not ok' "$out/all.tap") - todo ))
xfail=
[ "$todo" -eq 0 ] || xfail=", $todo failed as expected (TODO)"
echo "$passed passed, $failed failed, $skipped skipped$xfail"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
