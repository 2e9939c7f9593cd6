#!/bin/sh
# corpus-analyze.sh: the exact analysis of every corpus domain beyond
# enumeration (nonlinear profiles, 10^10 to 10^50 outcomes) at the default
# node budget, one process per domain, as a Markdown table for
# BENCHMARKS.md: outcomes, frontier size, method, the analysis's own
# seconds, the process's user CPU seconds and peak memory, and the
# acceptable count (or why it is not given).
#
# usage: scripts/corpus-analyze.sh [timeout]   (default 300s per domain)
# Needs jq and GNU time (/usr/bin/time).
set -eu
cd "$(dirname "$0")/.."
timeout=${1:-300s}
bin=$(mktemp -d)/parley
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" ./cmd/parley
echo "| domain | outcomes | frontier | method | analysis s | CPU s | peak MB | acceptable |"
echo "|---|---|---|---|---|---|---|---|"
for d in anac2014-10issues anac2014-10issueswithRV genius-orig-anac2014-10issuesDiscountedwithRV \
	other-S-1NAGUNL-114 other-S-1NIKFRT-1 other-S-1NIKFRT-2 other-S-1NIKFRT-3 \
	other-S-1NAGUNL-128 other-S-1NAGUNL-255; do
	tf=$(mktemp)
	if out=$(/usr/bin/time -o "$tf" -f "%U %M" "$bin" analyze --json --max-points 0 --timeout "$timeout" "testdata/domains/$d" 2>"$tf.err"); then
		set -- $(tail -1 "$tf")
		echo "$out" | jq -r --arg cpu "$1" --arg mem "$(($2 / 1024))" \
			'"| \(.domain) | \(.outcomes) | \(.pareto.size) | \(.method) | \(.seconds * 100 | round / 100) | \($cpu) | \($mem) | \(.acceptable // ("not counted: " + .acceptable_error)) |"'
	else
		set -- $(tail -1 "$tf")
		echo "| $d | | out of reach | | | $1 | $(($2 / 1024)) | $(head -c 200 "$tf.err" | tr '\n|' '  ') |"
	fi
	rm -f "$tf" "$tf.err"
done
