#!/usr/bin/env bash
# Console benchmark: the overview's first paint (navigation start to rows on screen, median and max of 5 loads in
# Chromium) for the 12-node demo graph and for a managed-services graph of CUSTOMERS customers (3 nodes each, plus 10),
# and their ratio. Needs chromium and node (the same as the console's browser tests).
# Usage: bench/console.sh [CUSTOMERS]   (default 1000, i.e. 3,010 nodes)
set -euo pipefail
customers=${1:-1000}
source "$(dirname "$0")/lib.sh"
build_cli
command -v chromium >/dev/null || { echo "chromium is not installed (apt-get install -y chromium)" >&2; exit 2; }
[ -d "$root/tests/console/node_modules/playwright-core" ] || npm ci --prefix "$root/tests/console" --no-audit --no-fund >/dev/null

graph="$out/console-$customers.yml"
{
  echo "name: console$customers"
  echo "nodes:"
  for s in 0 1 2 3 4 5; do echo "  source$s: {prototype: stdlib.listIPv4Generic, output: true}"; done
  echo "  myBaseOffering: {prototype: stdlib.aggregatorIPv4Generic, inputs: [source0, source1, source2, source3, source4, source5], output: true}"
  echo "  freeBaseOffering: {prototype: stdlib.feedHCGreen, inputs: [myBaseOffering]}"
  echo "  myPremiumOffering: {prototype: stdlib.aggregatorIPv4Generic, inputs: [source0, source1, source2, source3, source4, source5], output: true}"
  echo "  premiumOffering: {prototype: stdlib.feedHCGreen, inputs: [myPremiumOffering]}"
  for ((c = 0; c < customers; c++)); do
    echo "  bucket$c: {prototype: stdlib.listIPv4Generic, output: true}"
    echo "  customer$c: {prototype: stdlib.aggregatorIPv4Inbound, inputs: [myPremiumOffering, bucket$c], output: true}"
    echo "  customer${c}Feed: {prototype: stdlib.feedHCWithValue, inputs: [customer$c]}"
  done
} > "$graph"
printf 'admin_users:\n  admin:\n    password: demo-admin\n' > "${graph%.yml}.users.yml"

# Runs `minemeld run GRAPH` until its feed server answers, then the paint scenario; prints its figures.
measure() {
  local label=$1 graph=$2 port=$((30000 + RANDOM % 10000)) log="$out/console-run-$1.log"
  "$out/cli/minemeld" run "$graph" --port "$port" >"$log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 600); do
    curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.5
  done
  CONSOLE_URL="http://127.0.0.1:$port" SCREENSHOTS="$out/console-screenshots" node "$root/tests/console/console.e2e.mjs" paint \
    | sed -n "s/^FIGURE /$label /p"
  kill -TERM $pid; wait $pid 2>/dev/null || true
}

measure demo "$root/graphs/demo.yml" | tee "$out/console-demo.txt"
measure wide "$graph" | tee "$out/console-wide.txt"
base=$(awk '/overview_first_paint_ms_median/ {print $3}' "$out/console-demo.txt")
wide=$(awk '/overview_first_paint_ms_median/ {print $3}' "$out/console-wide.txt")
awk -v b="$base" -v w="$wide" 'BEGIN { printf "ratio wide/demo first paint (median): %.2fx\n", w / b }'
