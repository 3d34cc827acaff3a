#!/usr/bin/env bash
# End-to-end pipeline benchmark: starts a throw-away redis-server, runs `minemeld bench pipeline` (embedded broker,
# N synthetic IPv4 indicators: miner -> IPv4 aggregator -> feed) and prints its figures; with RUNS > 1, each run's
# figures and then their median.
# Usage: bench/pipeline.sh [COUNT] [RUNS]   (defaults 1000000 and 1)
set -euo pipefail
count=${1:-1000000}
runs=${2:-1}
source "$(dirname "$0")/lib.sh"
start_redis
build_cli
sleep 0.5
"$out/cli/minemeld" bench pipeline --redis "127.0.0.1:$redis_port" --count "$count" --runs "$runs"
