#!/usr/bin/env bash
# Compares `minemeld ranges merge` with FireHOL's `iprange` on a generated file of random IPv4 addresses,
# CIDRs (/16-/32) and short ranges: checks the outputs are byte-identical and prints both wall times and the
# ratio. Usage: bench/ranges-vs-iprange.sh [LINES] [SEED]   (defaults: 1000000 lines, seed 42)
set -euo pipefail
lines=${1:-1000000}
seed=${2:-42}
source "$(dirname "$0")/lib.sh"
command -v iprange >/dev/null || { echo "iprange is not installed (apt-get install -y iprange)" >&2; exit 2; }

input="$out/ranges-$lines-$seed.txt"
if [ ! -s "$input" ]; then
  awk -v n="$lines" -v seed="$seed" 'BEGIN {
    srand(seed);
    for (i = 0; i < n; i++) {
      a = int(rand() * 4294967296);
      kind = rand();
      if (kind < 0.5) {
        printf "%d.%d.%d.%d\n", int(a / 16777216) % 256, int(a / 65536) % 256, int(a / 256) % 256, a % 256;
      } else if (kind < 0.8) {
        p = 16 + int(rand() * 17);
        printf "%d.%d.%d.%d/%d\n", int(a / 16777216) % 256, int(a / 65536) % 256, int(a / 256) % 256, a % 256, p;
      } else {
        b = a + int(rand() * 1024);
        if (b > 4294967295) b = 4294967295;
        printf "%d.%d.%d.%d-%d.%d.%d.%d\n", int(a / 16777216) % 256, int(a / 65536) % 256, int(a / 256) % 256, a % 256,
          int(b / 16777216) % 256, int(b / 65536) % 256, int(b / 256) % 256, b % 256;
      }
    }
  }' > "$input"
fi

build_cli
cli="$out/cli/minemeld"

# Best of three runs each, interleaved, so both see the same machine state.
best() { sort -n | head -1; }
ip_times=(); mm_times=()
for run in 1 2 3; do
  s=$(date +%s.%N); iprange "$input" > "$out/iprange.out"; e=$(date +%s.%N)
  ip_times+=("$(echo "$e - $s" | bc)")
  s=$(date +%s.%N); "$cli" ranges merge "$input" > "$out/minemeld.out"; e=$(date +%s.%N)
  mm_times+=("$(echo "$e - $s" | bc)")
done
ip=$(printf '%s\n' "${ip_times[@]}" | best)
mm=$(printf '%s\n' "${mm_times[@]}" | best)

if cmp -s "$out/iprange.out" "$out/minemeld.out"; then same="byte-identical"; else same="DIFFERENT"; fi
printf 'input: %s lines (%s)\n' "$lines" "$input"
printf 'output: %s CIDR lines, %s\n' "$(wc -l < "$out/minemeld.out")" "$same"
printf 'iprange:         %.3f s (best of 3)\n' "$ip"
printf 'minemeld ranges: %.3f s (best of 3)\n' "$mm"
printf 'ratio minemeld/iprange: %.2f\n' "$(echo "$mm / $ip" | bc -l)"
[ "$same" = "byte-identical" ]
