#!/usr/bin/env bash
# Load test for parley serve. Results go in BENCHMARKS.md.
#   1. appends through the JSON API with wrk (Debian's wrk package), to one
#      talk and to TALKS talks, on SQLite (one node) and on PostgreSQL (two
#      nodes sharing a throwaway cluster, the clients spread over both);
#      every chain written is then exported and checked with parley verify;
#   2. one event reaching 1,000 SSE subscribers (go test -bench, SQLite);
#   3. an event written on node A reaching a subscriber on node B, two nodes
#      sharing PostgreSQL (go test -bench).
# PostgreSQL comes from Debian's postgresql package (initdb, pg_ctl), run as
# the postgres user when this runs as root, with fsync on (as SQLite runs
# with synchronous=FULL): an acknowledged event is on disk in both.
# Usage: scripts/load.sh [seconds] [connections] [talks] [sqlite|postgres|both|all]
# connections may be a list (16,64): each workload runs with each count.
# (both: the appends on SQLite and PostgreSQL; all: and the go test benchmarks)
# Besides each run's figures it prints the CPU time the parley nodes and
# PostgreSQL used per request, which depends far less than the rates on what
# else the machine runs, and at the end a table in the form BENCHMARKS.md
# records.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
conns=${2:-16,64}
ntalks=${3:-16}
mode=${4:-all}
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null; }
tmp=$(mktemp -d)
chmod 755 "$tmp"
pids=()
pgctl=
pgpid=
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	[ -z "$pgctl" ] || $pgctl -D "$tmp/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
go build -o "$tmp/parley" ./cmd/parley

# start_node NAME ARGS...: starts parley serve; its URL goes in $tmp/NAME.url.
start_node() {
	local name=$1
	shift
	# One user writes as fast as wrk can: no per-user write limit (else
	# nearly every request is a cheap 429).
	"$tmp/parley" serve --addr 127.0.0.1:0 --data "$tmp/$name" --write-rate 0 --max-conns-per-addr 0 "$@" >"$tmp/$name.out" 2>/dev/null &
	pids+=($!)
	for _ in $(seq 300); do grep -qs "listening on" "$tmp/$name.out" && break; sleep 0.1; done
	sed -n 's/^parley listening on //p' "$tmp/$name.out" >"$tmp/$name.url"
	pid_of[$(cat "$tmp/$name.url")]=$!
}
declare -A pid_of

# ticks PID...: CPU time (user and system, in clock ticks) the processes
# have used so far; with a PostgreSQL postmaster, also that of its children,
# live or ended.
ticks() {
	local p t=0
	for p in "$@"; do
		t=$((t + $(awk '{print $14 + $15 + $16 + $17}' "/proc/$p/stat")))
		for c in $(cat "/proc/$p/task/"*/children); do
			t=$((t + $(awk '{print $14 + $15}' "/proc/$c/stat" 2>/dev/null || echo 0)))
		done
	done
	echo "$t"
}
hz=$(getconf CLK_TCK)

# setup URL DEMO_OUT: signs in as the US head of delegation, takes an API
# token and opens $ntalks talks with the US as member; sets $token, $talks.
setup() {
	local url=$1 pw jar csrf party
	pw=$(awk '$1=="us-head"{print $2}' "$2")
	jar="$tmp/jar"
	curl -sf -c "$jar" -H 'Content-Type: application/json' -d "{\"name\":\"us-head\",\"password\":\"$pw\"}" "$url/api/v1/session" >/dev/null
	local me
	me=$(curl -sf -b "$jar" "$url/api/v1/me")
	csrf=$(sed -n 's/.*"csrf_token":"\([^"]*\)".*/\1/p' <<<"$me")
	party=$(sed -n 's/.*"party_id":\([0-9]*\).*/\1/p' <<<"$me")
	token=$(curl -sf -b "$jar" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' -d '{"name":"load"}' "$url/api/v1/tokens" | sed -n 's/.*"secret":"\([^"]*\)".*/\1/p')
	talks=
	for i in $(seq "$ntalks"); do
		talks+=$(curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
			-d "{\"title\":\"load $i\",\"parties\":[{\"party_id\":$party,\"standing\":\"member\"}]}" "$url/api/v1/talks" |
			sed -n 's/^{"id":\([0-9]*\).*/\1/p'),
	done
	talks=${talks%,}
}

# appends ENGINE WORKLOAD TALKS URL...: wrk on every URL at once, the
# connections ($c) spread over them; prints each node's line and the
# aggregate (throughput summed, the worse node's percentiles, CPU per
# request) and keeps the aggregate for the table.
declare -A result
appends() {
	local engine=$1 workload=$2 ts=$3 n i=0 w=() nodes=() t0 pg0=0 t1 pg1=0 line
	shift 3
	n=$#
	for url in "$@"; do nodes+=("${pid_of[$url]}"); done
	t0=$(ticks "${nodes[@]}")
	[ -z "$pgpid" ] || pg0=$(ticks "$pgpid")
	for url in "$@"; do
		TOKEN=$token TALKS=$ts wrk -t1 -c$((c / n)) -d"${secs}s" --latency -s scripts/append.lua "$url" | tail -n 1 >"$tmp/wrk.$i" &
		w+=($!)
		i=$((i + 1))
	done
	wait "${w[@]}"
	t1=$(ticks "${nodes[@]}")
	[ -z "$pgpid" ] || pg1=$(ticks "$pgpid")
	cat "$tmp"/wrk.*
	line=$(awk -v cpu=$(((t1 - t0) * 1000 / hz)) -v pg=$(((pg1 - pg0) * 1000 / hz)) '
		{s += $2; if ($4 > p50) p50 = $4; if ($7 > p) p = $7; e += $10 + $12; r += $14}
		END {
			printf "%.0f/s, p50 %.1f ms, p99 %.1f ms; CPU %.2f ms/request", s, p50, p, cpu / r
			if (pg > 0) printf " + PostgreSQL %.2f", pg / r
			if (e > 0) printf "; %d FAILED (figures do not count)", e
		}' "$tmp"/wrk.*)
	echo "== $engine, $c connections, $workload: $line"
	result["$c connections, $workload|$engine"]=$line
	rm -f "$tmp"/wrk.*
}

# check URL TALKS: exports the record of every talk and verifies its chain.
check() {
	local url=$1 t
	for t in ${2//,/ }; do
		curl -sf -H "Authorization: Bearer $token" "$url/api/v1/talks/$t/record" >"$tmp/record.json"
		"$tmp/parley" verify "$tmp/record.json" >/dev/null || { echo "talk $t: chain does not verify"; exit 1; }
	done
	echo "chains verified"
}

workloads=("one talk" "$ntalks talks")
if [ "$mode" != postgres ]; then
	echo "== SQLite, one node, ${secs}s per run, $conns connections (wrk)"
	start_node sqlite --demo
	url=$(cat "$tmp/sqlite.url")
	setup "$url" "$tmp/sqlite.out"
	for c in ${conns//,/ }; do
		appends SQLite "${workloads[0]}" 1 "$url"
		appends SQLite "${workloads[1]}" "$talks" "$url"
	done
	check "$url" "1,$talks"
	kill "${pids[0]}"
	wait "${pids[0]}" 2>/dev/null || true
	pids=()
fi

if [ "$mode" != sqlite ]; then
	bins=$(ls -d /usr/lib/postgresql/*/bin | tail -n 1)
	run=()
	[ "$(id -u)" != 0 ] || run=(runuser -u postgres --)
	mkdir "$tmp/pg"
	[ "$(id -u)" != 0 ] || chown postgres: "$tmp/pg"
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"${run[@]}" "$bins/initdb" -D "$tmp/pg/data" -U postgres -A trust -E UTF8 >/dev/null
	pgctl="${run[*]} $bins/pg_ctl"
	$pgctl -D "$tmp/pg/data" -l "$tmp/pg/log" -w start \
		-o "-k $tmp/pg -p $port -c listen_addresses=127.0.0.1 -c max_connections=200" >/dev/null
	pgpid=$(head -n 1 "$tmp/pg/data/postmaster.pid")
	export PARLEY_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable" PARLEY_SECRET=load-test-secret
	echo "== PostgreSQL, two nodes, ${secs}s per run, $conns connections spread over both (wrk)"
	start_node a --demo
	start_node b
	a=$(cat "$tmp/a.url") b=$(cat "$tmp/b.url")
	setup "$a" "$tmp/a.out"
	for c in ${conns//,/ }; do
		appends "PostgreSQL, two nodes" "${workloads[0]}" 1 "$a" "$b"
		appends "PostgreSQL, two nodes" "${workloads[1]}" "$talks" "$a" "$b"
	done
	check "$b" "1,$talks"
	unset PARLEY_DATABASE_URL PARLEY_SECRET
fi

echo
echo "| ${secs} s runs, chains verified after each | target | SQLite, one node | PostgreSQL, two nodes |"
echo "|---|---|---|---|"
for c in ${conns//,/ }; do
	for wl in "${workloads[@]}"; do
		echo "| $c connections, $wl | ≥ 2,000/s, p99 ≤ 50 ms | ${result["$c connections, $wl|SQLite"]:-} | ${result["$c connections, $wl|PostgreSQL, two nodes"]:-} |"
	done
done
echo "(load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs)"

if [ "$mode" = all ]; then
	echo "== one event to 1,000 SSE subscribers (SQLite) and across two nodes (PostgreSQL)"
	go test ./cmd/parley -run '^$' -bench 'Fanout1000|CrossNode' -benchtime 50x | grep '^Benchmark'
fi
