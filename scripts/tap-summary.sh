#!/bin/sh
# tap-summary.sh DIR: gather DIR/*.tap into DIR/all.tap, print "N passed,
# N failed, N skipped[, N failed as expected (TODO)]", and exit non-zero
# unless something passed and nothing failed (scripts/check.sh, scripts/redis-suite.sh).
set -u
out=$1
cat "$out"/*.tap > "$out/all.tap.new" && mv "$out/all.tap.new" "$out/all.tap"
skipped=$(grep -cE '^ok .*# SKIP' "$out/all.tap")
passed=$(( $(grep -cE '^ok ' "$out/all.tap") - skipped ))
# "not ok ... # TODO": a failure expected, and said why (TAP's meaning).
todo=$(grep -cE '^not ok .*# TODO' "$out/all.tap")
failed=$(( $(grep -cE '^not ok' "$out/all.tap") - todo ))
xfail=
[ "$todo" -eq 0 ] || xfail=", $todo failed as expected (TODO)"
echo "$passed passed, $failed failed, $skipped skipped$xfail"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
