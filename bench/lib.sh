# Shared by the bench scripts (source it): a throw-away redis-server on a random port, stopped on exit, and a
# Release build of the `minemeld` command in bench/out/cli.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="$root/bench/out"
mkdir -p "$out"

# Starts redis-server and sets redis_port; the EXIT trap stops it.
start_redis() {
  command -v redis-server >/dev/null || { echo "redis-server is not installed (apt-get install -y redis-server)" >&2; exit 2; }
  redis_port=$((20000 + RANDOM % 10000))
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >/dev/null &
  redis_pid=$!
  trap 'kill $redis_pid 2>/dev/null || true' EXIT
}

build_cli() {
  dotnet build "$root/services/Minemeld.Streams.Cli" -c Release -o "$out/cli" -v quiet -nologo >/dev/null
}
