#!/usr/bin/env bash
# Feed server benchmark: starts a throw-away redis-server, runs `minemeld bench feed` (the real feed server on Kestrel:
# full download of an N-entry feed in plain and tr=1 vs the same bytes as a static file, requests/s with and
# without If-None-Match on a 10,000-entry feed, memory) and prints its figures.
# Usage: bench/feed.sh [COUNT]   (default 1000000)
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
"$out/cli/minemeld" bench feed --redis "127.0.0.1:$port" --count "$count"
