#!/usr/bin/env bash
# End-to-end pipeline benchmark: starts a throw-away redis-server, runs `minemeld bench pipeline` (embedded broker,
# N synthetic IPv4 indicators: miner -> IPv4 aggregator -> feed) and prints its figures.
# Usage: bench/pipeline.sh [COUNT]   (default 1000000)
set -euo pipefail
count=${1:-1000000}
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/bench/out"
mkdir -p "$out"
command -v redis-server >/dev/null || { echo "redis-server is not installed (apt-get install -y redis-server)" >&2; exit 2; }
port=$((20000 + RANDOM % 10000))
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no >/dev/null &
redis_pid=$!
trap 'kill $redis_pid 2>/dev/null || true' EXIT
dotnet build "$root/services/Minemeld.Streams.Cli" -c Release -o "$out/cli" -v quiet -nologo >/dev/null
sleep 0.5
"$out/cli/minemeld" bench pipeline --redis "127.0.0.1:$port" --count "$count"
