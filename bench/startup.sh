#!/usr/bin/env bash
# Start-up time and idle memory: runs a command that starts the four services (default `npm start`)
# on spare ports with a throwaway SQLite database, times it until every /healthz answers 200, waits
# IDLE seconds and prints each service's RSS, then stops what it started.
set -euo pipefail

usage() {
  cat <<EOF2
usage: [RUNS=N] [IDLE=SECONDS] bash bench/startup.sh [COMMAND...]

  Times COMMAND (default: npm start) from launch until api, streamserver, scheduler and web all
  answer GET /healthz on 127.0.0.1:BASE_PORT+0..3 (BASE_PORT 19103: api, streamserver, scheduler,
  web), then after IDLE (10) seconds prints each service's RSS (ps -o rss), and stops COMMAND's
  process group with SIGTERM. Repeats RUNS (1) times.
  To time the sources against a build: touch a file under services/*/src (npm start then runs tsx);
  ./build.sh makes dist/ current again.
EOF2
}

case "${1:-}" in
  --help | -h) usage; exit 0 ;;
  --) shift ;;
esac
runs="${RUNS:-1}"
idle="${IDLE:-10}"
(($#)) || set -- npm start

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
base="${BASE_PORT:-19103}"
declare -A PORT=([api]=$base [streamserver]=$((base + 1)) [scheduler]=$((base + 2)) [web]=$((base + 3)))
for svc in "${!PORT[@]}"; do
  if ss -ltnH "sport = :${PORT[$svc]}" | grep -q .; then echo "startup.sh: port ${PORT[$svc]} is taken; stop what uses it" >&2; exit 1; fi
done
export API_PORT=${PORT[api]} STREAM_PORT=${PORT[streamserver]} SCHEDULER_PORT=${PORT[scheduler]} WEB_PORT=${PORT[web]} WEB_METRICS_PORT=0
export API_URL=http://127.0.0.1:${PORT[api]} STREAM_URL=http://127.0.0.1:${PORT[streamserver]} SCHEDULER_URL=http://127.0.0.1:${PORT[scheduler]}
export LOG_LEVEL=warn LOG_PRETTY=0

healthy() {
  local p
  for p in "${PORT[@]}"; do
    [[ "$(curl -s -o /dev/null -m 1 -w '%{http_code}' "http://127.0.0.1:$p/healthz" || true)" == 200 ]] || return 1
  done
}

one_run() {
  local tmp launcher t0 ms svc pid
  tmp="$(mktemp -d)"
  export DATA_DIR="$tmp/data" DATABASE_URL="sqlite:$tmp/video.db" VIDEO_DIR="$tmp/videos"
  t0=$(date +%s%N)
  setsid "$@" >"$tmp/out" 2>&1 </dev/null &
  launcher=$!
  for _ in $(seq 1 600); do healthy && break; sleep 0.05; done
  ms=$((($(date +%s%N) - t0) / 1000000))
  if healthy; then echo "healthy after $ms ms   ($(grep -m1 '^running' "$tmp/out" || echo "$*"))"; else echo "not healthy after $ms ms; output in $tmp/out"; fi
  sleep "$idle"
  for svc in api streamserver scheduler web; do
    pid="$(ss -ltnpH "sport = :${PORT[$svc]}" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2 || true)"
    [[ -n "$pid" ]] && printf '  %-12s rss %4d MB\n' "$svc" $(($(ps -o rss= -p "$pid") / 1024))
  done
  kill -TERM -- "-$launcher" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$launcher" 2>/dev/null || break; sleep 0.2; done
  kill -KILL -- "-$launcher" 2>/dev/null || true
  rm -rf "$tmp"
}

echo "$(date -u '+%F %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
for _ in $(seq 1 "$runs"); do one_run "$@"; done
