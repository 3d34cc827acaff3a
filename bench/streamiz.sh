#!/usr/bin/env bash
# A filtering node three ways on the embedded broker: the engine's consume loop, a Streamiz topology over bytes with
# the engine's filter, a Streamiz topology over SerDes objects (`minemeld bench streamiz`); prints each run and the
# medians with their ratio to the engine loop.
# Usage: bench/streamiz.sh [COUNT] [RUNS]   (defaults 500000 and 3)
set -euo pipefail
count=${1:-500000}
runs=${2:-3}
source "$(dirname "$0")/lib.sh"
build_cli
"$out/cli/minemeld" bench streamiz --count "$count" --runs "$runs"
