#!/usr/bin/env bash
# HLS byte ranges of a rendition's fMP4 (/videos/:id/hls/<h>.mp4?g=<gen>) from the stream server
# beside nginx serving the same file.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: bench/stream-hls.sh [--duration SECONDS] [--rounds N]

Writes a 100 MiB fMP4 stand-in (random bytes) into a generation folder
(video_dir/.media/<id>/<gen>/360.mp4), names it in the video row's media_gen, and runs wrk
(2 threads, 16 connections) with random 256 KiB, 1 MiB and 64 KiB ranges of
/videos/<id>/hls/360.mp4?g=<gen> against the stream server and against nginx-light
(sendfile on) serving the same folder, alternating, N rounds.

  --duration S   seconds per wrk run (default 5)
  --rounds N     alternations per case (default 2)

Needs: wrk, nginx (Debian's nginx-light), curl, node with the repo's dependencies installed.
Writes only under a fresh temporary directory, removed at the end.
USAGE
}

DURATION=5
ROUNDS=2
while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/stream-common.sh
source "$ROOT/bench/stream-common.sh"
need_tools
WORK="$(mktemp -d /tmp/stream-hls-bench.XXXXXX)"
chmod 755 "$WORK"  # nginx workers run as an unprivileged user
VIDEOS="$WORK/videos"
GEN=gmiabcdef-0123abcd
GEN_DIR="$VIDEOS/.media/hls1/$GEN"
mkdir -p "$GEN_DIR"
STREAM_PID=""
cleanup() {
  [[ -n "$STREAM_PID" ]] && kill "$STREAM_PID" 2>/dev/null || true
  [[ -f "$WORK/nginx.pid" ]] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  sleep 0.5
  rm -rf "$WORK"
}
trap cleanup EXIT


head -c 104857600 /dev/urandom > "$GEN_DIR/360.mp4"
export DATABASE_URL="sqlite:$WORK/video.db"
(cd "$ROOT" && node --import tsx bench/stream-setup.ts hls1 >/dev/null)
(cd "$ROOT" && GEN="$GEN" node --import tsx -e "
import { connectDatabase } from '@video/shared';
const db = connectDatabase(process.env.DATABASE_URL);
await db.kysely.updateTable('video_info').set({ media_gen: process.env.GEN }).where('id', '=', 'hls1').execute();
await db.close();")

STREAM_PORT="$(free_port)"
NGINX_PORT="$(free_port)"
echo '{}' > "$WORK/conf.json"
(cd "$ROOT" && CONFIG="$WORK/conf.json" VIDEO_DIR="$VIDEOS" STREAM_PORT="$STREAM_PORT" LOG_LEVEL=warn STREAM_MAX_CONNECTIONS=1000 \
  exec node --import tsx services/streamserver/src/main.ts) &
STREAM_PID=$!
write_nginx_conf "$WORK" "$NGINX_PORT" /videos/hls1/hls/ "$GEN_DIR"
nginx -c "$WORK/nginx.conf" -p "$WORK" -e "$WORK/nginx-error.log"
URL_PATH="/videos/hls1/hls/360.mp4?g=$GEN"
wait_http "http://127.0.0.1:$STREAM_PORT$URL_PATH"
wait_http "http://127.0.0.1:$NGINX_PORT$URL_PATH"

rps() { # port range-length -> requests per second
  FILE_SIZE=104857600 RANGE_LEN="$2" wrk -t2 -c16 -d"${DURATION}s" --timeout 10s -s "$ROOT/bench/stream-range.lua" \
    "http://127.0.0.1:$1$URL_PATH" | grep '^RESULT' | sed -E 's/.*rps=([0-9.]+).*/\1/'
}
for len in 262144 1048576 65536; do rps "$STREAM_PORT" "$len" >/dev/null; rps "$NGINX_PORT" "$len" >/dev/null; done

printf '\n| case | streamserver req/s | nginx req/s | ratio to nginx |\n| --- | --- | --- | --- |\n'
for spec in "256 KiB ranges:262144" "1 MiB ranges:1048576" "64 KiB ranges:65536"; do
  IFS=: read -r label len <<<"$spec"
  s_sum=0; n_sum=0
  for _ in $(seq 1 "$ROUNDS"); do
    s_sum=$(echo "$s_sum + $(rps "$STREAM_PORT" "$len")" | bc -l)
    n_sum=$(echo "$n_sum + $(rps "$NGINX_PORT" "$len")" | bc -l)
  done
  printf '| %s | %.0f | %.0f | %.2f |\n' "$label" "$(echo "$s_sum / $ROUNDS" | bc -l)" "$(echo "$n_sum / $ROUNDS" | bc -l)" "$(echo "$s_sum / $n_sum" | bc -l)"
done
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores, node $(node -v), $(nginx -v 2>&1 | sed 's/.*: //')"
