#!/usr/bin/env bash
# run-unit.sh BIN...: run each cmocka binary; fail when any fails.
set -u
failed=0
for t in "$@"; do
	"$t" || { echo "unit: $t FAILED" >&2; failed=$((failed + 1)); }
done
[ "$failed" -eq 0 ]
