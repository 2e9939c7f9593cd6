#!/usr/bin/env bash
# Load test for parley serve. Results go in BENCHMARKS.md.
#   1. appends through the JSON API on SQLite, with wrk (Debian's wrk package);
#   2. one event reaching 1,000 SSE subscribers (go test -bench, SQLite);
#   3. an event written on node A reaching a subscriber on node B, two nodes
#      sharing PostgreSQL (go test -bench; needs Debian's postgresql).
# Usage: scripts/load.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
conns=${2:-16}
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null; }
tmp=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/parley" ./cmd/parley
"$tmp/parley" serve --demo --data "$tmp/data" --addr 127.0.0.1:0 >"$tmp/out" 2>/dev/null &
pid=$!
for _ in $(seq 100); do grep -q "listening on" "$tmp/out" && break; sleep 0.1; done
url=$(sed -n 's/^parley listening on //p' "$tmp/out")
pw=$(awk '$1=="us-negotiator"{print $2}' "$tmp/out")
jar="$tmp/jar"
curl -sf -c "$jar" -H 'Content-Type: application/json' -d "{\"name\":\"us-negotiator\",\"password\":\"$pw\"}" "$url/api/v1/session" >/dev/null
csrf=$(curl -sf -b "$jar" "$url/api/v1/me" | sed -n 's/.*"csrf_token":"\([^"]*\)".*/\1/p')
token=$(curl -sf -b "$jar" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' -d '{"name":"load"}' "$url/api/v1/tokens" | sed -n 's/.*"secret":"\([^"]*\)".*/\1/p')

echo "== appends through the API, SQLite, ${secs}s, ${conns} connections (wrk)"
TOKEN=$token wrk -t2 -c"$conns" -d"${secs}s" --latency -s scripts/append.lua "$url/api/v1/talks/1/events" | tail -n 1
curl -sf -H "Authorization: Bearer $token" "$url/api/v1/talks/1/record" >"$tmp/record.json"
"$tmp/parley" verify "$tmp/record.json"
kill $pid; wait $pid 2>/dev/null || true

echo "== one event to 1,000 SSE subscribers (SQLite) and across two nodes (PostgreSQL)"
go test ./cmd/parley -run '^$' -bench 'Fanout1000|CrossNode' -benchtime 50x | grep '^Benchmark'
