#!/usr/bin/env bash
# Feed server benchmark: starts a throw-away redis-server, runs `minemeld bench feed` (the real feed server on Kestrel:
# full download of an N-entry feed in plain and tr=1 vs the same bytes as a static file, requests/s with and
# without If-None-Match on a 10,000-entry feed, memory, one N-entry list replace) and prints its figures.
# Usage: bench/feed.sh [COUNT]   (default 1000000)
set -euo pipefail
count=${1:-1000000}
source "$(dirname "$0")/lib.sh"
start_redis
build_cli
sleep 0.5
"$out/cli/minemeld" bench feed --redis "127.0.0.1:$redis_port" --count "$count"
