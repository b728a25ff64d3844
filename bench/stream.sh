#!/usr/bin/env bash
# Streamserver throughput beside nginx on the same files, and a large upload.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: bench/stream.sh [--duration SECONDS] [--workers N] [--rounds N] [--uploads-only]

Benchmarks the stream server against nginx-light (sendfile on, tcp_nopush off) serving the same
directory on a spare 127.0.0.1 port, with wrk (2 threads):
  - random 1 MiB ranges and random 64 KiB ranges over a 100 MiB file,
  - full downloads of a 10 MiB file,
at 16 and 64 connections, alternating stream server / nginx / a plain Node server
(bench/stream-plain-node.mjs, the floor for Node) / the web in front of the stream server (the
path browsers take) so drift hits all; then uploads a
200 MiB file with curl and reports MiB/s and the server's RSS growth and peak.

  --duration S   seconds per wrk run (default 8)
  --workers N    stream_workers for the stream server (default 1)
  --rounds N     alternations per case (default 2; the table shows the mean)
  --uploads-only skip the download cases
SERVICE_NODE_ARGS, WEB_NODE_ARGS (environment): node options for the stream server, the web, e.g. a
V8 flag to compare.

Needs: wrk, nginx (Debian's nginx-light), curl, node with the repo's dependencies installed.
Run from anywhere inside the repo; it writes only under a fresh temporary directory.
USAGE
}

DURATION=8
WORKERS=1
ROUNDS=2
READS=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    --workers) WORKERS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --uploads-only) READS=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done


ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/stream-common.sh
source "$ROOT/bench/stream-common.sh"
need_tools
WORK="$(mktemp -d /tmp/stream-bench.XXXXXX)"
chmod 755 "$WORK"  # nginx workers run as an unprivileged user
VIDEOS="$WORK/videos"
mkdir -p "$VIDEOS"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  [[ -f "$WORK/nginx.pid" ]] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  sleep 0.5
  rm -rf "$WORK"
}
trap cleanup EXIT


echo "preparing files in $WORK ..."
head -c 104857600 /dev/urandom > "$VIDEOS/big100"
head -c 10485760 /dev/urandom > "$VIDEOS/ten10"
{ printf '\x00\x00\x00\x20ftypisom'; head -c $((200 * 1048576 - 12)) /dev/urandom; } > "$WORK/upload200.mp4"

export DATABASE_URL="sqlite:$WORK/video.db"
SESSION="$(cd "$ROOT" && node --import tsx bench/stream-setup.ts big100 ten10 up0 up1 up2 up3 wu1 wu2 wu3 | tail -1)"

# BENCH_PORT_BASE=N takes ports N..N+3 instead of spare ones (a machine that hands out a range).
if [[ -n "${BENCH_PORT_BASE:-}" ]]; then
  STREAM_PORT=$((BENCH_PORT_BASE)); NGINX_PORT=$((BENCH_PORT_BASE + 1)); PLAIN_PORT=$((BENCH_PORT_BASE + 2)); WEB_PORT=$((BENCH_PORT_BASE + 3))
else
  STREAM_PORT="$(free_port)"; NGINX_PORT="$(free_port)"; PLAIN_PORT="$(free_port)"; WEB_PORT="$(free_port)"
fi
start_stream() {
  # shellcheck disable=SC2086 # SERVICE_NODE_ARGS is a list of node options
  (cd "$ROOT" && VIDEO_DIR="$VIDEOS" STREAM_PORT="$STREAM_PORT" LOG_LEVEL=warn STREAM_MAX_CONNECTIONS=1000 \
    STREAM_WORKERS="$WORKERS" MAX_UPLOAD_MB=1024 exec node ${SERVICE_NODE_ARGS:-} --import tsx services/streamserver/src/main.ts) &
  STREAM_PID=$!
  PIDS+=("$STREAM_PID")
  wait_http "http://127.0.0.1:$STREAM_PORT/healthz"
}
start_web() {
  # The web shares the stream server's video_dir (one machine): it sends the files the stream server
  # names with X-Accel-Redirect itself (web_serve_local_files, stream_accel_redirect_prefix /_accel).
  # shellcheck disable=SC2086 # WEB_NODE_ARGS is a list of node options
  (cd "$ROOT" && VIDEO_DIR="$VIDEOS" WEB_PORT="$WEB_PORT" STREAM_URL="http://127.0.0.1:$STREAM_PORT" LOG_LEVEL=warn STREAM_MAX_CONNECTIONS=1000 \
    WEB_METRICS_PORT=0 WEB_MAX_CONNECTIONS=10000 exec node ${WEB_NODE_ARGS:-} --import tsx services/web/src/main.ts) &
  WEB_PID=$!
  PIDS+=("$WEB_PID")
  wait_http "http://127.0.0.1:$WEB_PORT/healthz"
}
echo '{}' > "$WORK/conf.json"

write_nginx_conf "$WORK" "$NGINX_PORT" /videos/ "$VIDEOS"
nginx -c "$WORK/nginx.conf" -p "$WORK" -e "$WORK/nginx-error.log"
wait_http "http://127.0.0.1:$NGINX_PORT/videos/ten10"

export CONFIG="$WORK/conf.json"
start_stream
start_web
node "$ROOT/bench/stream-plain-node.mjs" "$PLAIN_PORT" "$VIDEOS" &
PLAIN_PID=$!
PIDS+=("$PLAIN_PID")
wait_http "http://127.0.0.1:$PLAIN_PORT/videos/ten10"

# CPU time (user + system, in clock ticks) of a server: its main process and its workers. On a
# shared machine the request rate depends on how much CPU the scheduler hands out; CPU per request
# does not, so the table reports both.
TICKS="$(getconf CLK_TCK)"
cpu_ticks() {
  local t=0 p
  for p in "$1" $(pgrep -P "$1" || true); do
    [[ -r "/proc/$p/stat" ]] && t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "$t"
}
server_pid() {
  if [[ "$1" == "$NGINX_PORT" ]]; then cat "$WORK/nginx.pid"; elif [[ "$1" == "$PLAIN_PORT" ]]; then echo "$PLAIN_PID";
  elif [[ "$1" == "$WEB_PORT" ]]; then echo "$WEB_PID"; else echo "$STREAM_PID"; fi
}

run_wrk() { # target-port conns file size rangelen -> "req/s p99-ms errors cpu-us-per-request"
  local pid before out
  pid="$(server_pid "$1")"
  before="$(cpu_ticks "$pid")"
  out="$(FILE_SIZE="$4" RANGE_LEN="$5" wrk -t2 -c"$2" -d"${DURATION}s" --timeout 10s -s "$ROOT/bench/stream-range.lua" \
    "http://127.0.0.1:$1/videos/$3" | grep '^RESULT' | sed -E 's/.*rps=([0-9.]+).*p99_ms=([0-9.]+).*errors=([0-9]+)/\1 \2 \3/')"
  local used=$(( $(cpu_ticks "$pid") - before ))
  read -r rps _ _ <<<"$out"
  if [[ -z "$rps" ]] || [[ "$(echo "$rps == 0" | bc -l)" == 1 ]]; then echo "0 0 1 0"; return; fi
  echo "$out $(echo "$used / $TICKS * 1000000 / ($rps * $DURATION)" | bc -l)"
}

if [[ "$READS" == 1 ]]; then
# Warm the page cache and the JIT (a fresh Node process is markedly slower for its first seconds).
for port in "$STREAM_PORT" "$NGINX_PORT" "$PLAIN_PORT" "$WEB_PORT"; do
  run_wrk "$port" 16 big100 104857600 0 >/dev/null || true
  run_wrk "$port" 16 big100 104857600 1048576 >/dev/null || true
  run_wrk "$port" 16 big100 104857600 65536 >/dev/null || true
done

printf '\n| case | conns | streamserver req/s | nginx req/s | plain Node req/s | through web req/s | stream / nginx | stream / plain Node | web / stream | CPU µs/req stream / nginx / plain / web | p99 ms stream / nginx / web |\n'
printf '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n'
for spec in "1 MiB ranges:big100:104857600:1048576" "64 KiB ranges:big100:104857600:65536" "full 10 MiB:ten10:10485760:0"; do
  IFS=: read -r label file size len <<<"$spec"
  for conns in 16 64; do
    s_sum=0; n_sum=0; p_sum=0; w_sum=0; s_cpu=0; n_cpu=0; p_cpu=0; w_cpu=0; s_p99=0; n_p99=0; w_p99=0
    for _ in $(seq 1 "$ROUNDS"); do
      read -r s s99 serr scpu < <(run_wrk "$STREAM_PORT" "$conns" "$file" "$size" "$len")
      read -r n n99 nerr ncpu < <(run_wrk "$NGINX_PORT" "$conns" "$file" "$size" "$len")
      read -r p _ perr pcpu < <(run_wrk "$PLAIN_PORT" "$conns" "$file" "$size" "$len")
      read -r w w99 werr wcpu < <(run_wrk "$WEB_PORT" "$conns" "$file" "$size" "$len")
      [[ "$serr" == 0 && "$nerr" == 0 && "$perr" == 0 && "$werr" == 0 ]] || echo "  (errors: streamserver $serr, nginx $nerr, plain $perr, web $werr)" >&2
      s_sum=$(echo "$s_sum + $s" | bc -l); n_sum=$(echo "$n_sum + $n" | bc -l); p_sum=$(echo "$p_sum + $p" | bc -l); w_sum=$(echo "$w_sum + $w" | bc -l)
      s_cpu=$(echo "$s_cpu + $scpu" | bc -l); n_cpu=$(echo "$n_cpu + $ncpu" | bc -l); p_cpu=$(echo "$p_cpu + $pcpu" | bc -l); w_cpu=$(echo "$w_cpu + $wcpu" | bc -l)
      s_p99=$(echo "if ($s99 > $s_p99) $s99 else $s_p99" | bc -l); n_p99=$(echo "if ($n99 > $n_p99) $n99 else $n_p99" | bc -l)
      w_p99=$(echo "if ($w99 > $w_p99) $w99 else $w_p99" | bc -l)
    done
    s_avg=$(echo "$s_sum / $ROUNDS" | bc -l); n_avg=$(echo "$n_sum / $ROUNDS" | bc -l); p_avg=$(echo "$p_sum / $ROUNDS" | bc -l); w_avg=$(echo "$w_sum / $ROUNDS" | bc -l)
    printf '| %s | %s | %.0f | %.0f | %.0f | %.0f | %.2f | %.2f | %.2f | %.0f / %.0f / %.0f / %.0f | %.1f / %.1f / %.1f |\n' "$label" "$conns" \
      "$s_avg" "$n_avg" "$p_avg" "$w_avg" "$(echo "$s_avg / $n_avg" | bc -l)" "$(echo "$s_avg / $p_avg" | bc -l)" "$(echo "$w_avg / $s_avg" | bc -l)" \
      "$(echo "$s_cpu / $ROUNDS" | bc -l)" "$(echo "$n_cpu / $ROUNDS" | bc -l)" "$(echo "$p_cpu / $ROUNDS" | bc -l)" "$(echo "$w_cpu / $ROUNDS" | bc -l)" \
      "$s_p99" "$n_p99" "$w_p99"
  done
done
echo "(ratios are of request rates in the same run; CPU µs/req counts user + system time of all the server's processes;"
echo " the web's is its own, the stream server behind it is not counted)"
fi

# Upload on a freshly started server, so its peak RSS is the upload's alone.
kill "$STREAM_PID"; wait "$STREAM_PID" 2>/dev/null || true
start_stream
rss_pids() { if [[ "$WORKERS" -gt 1 ]]; then pgrep -P "$STREAM_PID"; else echo "$STREAM_PID"; fi; }
rss_kib() { local t=0; for p in $(rss_pids); do t=$((t + $(awk "/^$1:/{print \$2}" "/proc/$p/status"))); done; echo "$t"; }
upload() { # label video-id [port] -> one table row (each upload a new video, as on the site)
  local start end code peak
  start=$(date +%s.%N)
  code=$(curl -s -o "$WORK/upload.out" -w '%{http_code}' -H "X-Session-Id: $SESSION" -F "file=@$WORK/upload200.mp4" \
    "http://127.0.0.1:${3:-$STREAM_PORT}/upload/$2")
  end=$(date +%s.%N)
  [[ "$code" == 201 ]] || { echo "upload failed: $code $(cat "$WORK/upload.out")" >&2; exit 1; }
  peak=$(rss_kib VmHWM)
  printf '| %s | %.0f | %.0f | %.0f | %.0f |\n' "$1" "$(echo "200 / ($end - $start)" | bc -l)" \
    "$(echo "$before / 1024" | bc -l)" "$(echo "$peak / 1024" | bc -l)" "$(echo "($peak - $before) / 1024" | bc -l)"
}
printf '\n| upload | MiB/s | RSS before MiB | peak RSS MiB | growth MiB |\n| --- | --- | --- | --- | --- |\n'
before=$(rss_kib VmRSS)
upload "200 MiB, first after start" up0
# The first upload warms the JIT and the parser; the rest show the steady state. The peak RSS is
# reset (clear_refs) so each row's peak is that upload's own.
before=$(rss_kib VmRSS)
# Straight to the stream server and through the web, in turn (the web's path is the browsers').
for i in 1 2 3; do
  for p in $(rss_pids); do echo 5 > "/proc/$p/clear_refs" 2>/dev/null || true; done
  upload "200 MiB #$i, direct" "up$i"
  for p in $(rss_pids); do echo 5 > "/proc/$p/clear_refs" 2>/dev/null || true; done
  upload "200 MiB #$i, through the web" "wu$i" "$WEB_PORT"
done
echo "(RSS is the stream server's; the web's after the uploads: $(awk '/^VmHWM:/{printf "%.0f MiB peak", $2/1024}' "/proc/$WEB_PID/status"))"
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), node $(node -v), $(nginx -v 2>&1 | sed 's/.*: //'), stream_workers=$WORKERS"
