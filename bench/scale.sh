#!/usr/bin/env bash
# One stream server, two behind the shipped nginx.conf, and X-Accel-Redirect, side by side.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: bench/scale.sh [--duration SECONDS] [--rounds N] [--port-base PORT]

bench/stream.sh's reads (random 1 MiB and 64 KiB ranges of a 100 MiB file, whole 10 MiB files;
16 and 64 connections; wrk, 2 threads, all on 127.0.0.1) against six set-ups in one run:
  a  nginx-light serving the files from disk (sendfile: the reference)
  b  one stream server, directly
  c  the shipped deploy/nginx/nginx.conf (rendered for local ports as test/system/scale does)
     in front of one stream server
  d  the same nginx in front of two stream servers (one video_dir)
  e  the same nginx in front of two stream servers with stream_accel_redirect_prefix /_accel:
     the stream servers check, nginx sends the file (X-Accel-Redirect)
  f  as e, one stream server
  g  as d, with proxy_buffer_size 256k on the stream listener (an unbuffered proxy reads and
     writes the body in pieces of that size; nginx's default is one page): proxying, tuned
Each round runs every case once per workload, interleaved, so drift hits all. Prints req/s, MB/s,
ratios (same run) and CPU per request (user + system from /proc) of nginx and of the stream
servers, so a rate bounded by a busy machine can still be compared by its cost.

  --duration S     seconds per wrk run (default 5)
  --rounds N       interleaved rounds (default 2; tables show the mean)
  --port-base P    use 127.0.0.1 ports P..P+35 instead of ports the kernel picks

Needs: wrk, nginx (Debian's nginx-light), curl, bc, node with the repo's dependencies installed.
Writes only under a fresh temporary directory, which it removes.
USAGE
}

DURATION=5
ROUNDS=2
PORT_BASE=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --port-base) PORT_BASE="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/stream-common.sh
source "$ROOT/bench/stream-common.sh"
need_tools
WORK="$(mktemp -d /tmp/scale-bench.XXXXXX)"
chmod 755 "$WORK"  # nginx workers may run as an unprivileged user
VIDEOS="$WORK/videos"
mkdir -p "$VIDEOS"
PIDS=()
NGINX_DIRS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for dir in "${NGINX_DIRS[@]}"; do [[ -f "$dir/nginx.pid" ]] && kill "$(cat "$dir/nginx.pid")" 2>/dev/null || true; done
  sleep 0.5
  rm -rf "$WORK"
}
trap cleanup EXIT

N_PORT=0
port() { # the next port: from --port-base on, or one the kernel picks
  if [[ "$PORT_BASE" -gt 0 ]]; then echo $((PORT_BASE + N_PORT)); else free_port; fi
}
alloc() { PORT_OUT="$(port)"; N_PORT=$((N_PORT + 1)); }

echo "preparing files in $WORK ..."
head -c 104857600 /dev/urandom > "$VIDEOS/big100"
head -c 10485760 /dev/urandom > "$VIDEOS/ten10"
export DATABASE_URL="sqlite:$WORK/video.db"
(cd "$ROOT" && node --import tsx bench/stream-setup.ts big100 ten10 >/dev/null)
echo '{}' > "$WORK/conf.json"
export CONFIG="$WORK/conf.json"
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"

declare -A STREAM_PID
start_stream() { # name port accel-prefix
  (cd "$ROOT" && VIDEO_DIR="$VIDEOS" STREAM_PORT="$2" LOG_LEVEL=warn STREAM_MAX_CONNECTIONS=1000 STREAM_MAX_PER_ADDRESS=100000 \
    STREAM_ACCEL_REDIRECT_PREFIX="$3" exec node --import tsx services/streamserver/src/main.ts) &
  STREAM_PID[$1]=$!
  PIDS+=("$!")
}
declare -A NGINX_DIR
start_balancer() { # name listen-port stream-port[,stream-port] [directive for the stream listener]
  local dir="$WORK/nginx-$1" spare=() i
  for i in 1 2 3 4; do alloc; spare+=("$PORT_OUT"); done
  (cd "$ROOT" && node --import tsx bench/scale-balancer.ts "$dir" "$VIDEOS" "$2" "$(IFS=,; echo "${spare[*]}")" "$3" >/dev/null)
  [[ -z "${4:-}" ]] || sed -i "s/^\( *\)server_name stream;/&\n\1$4/" "$dir/nginx.conf"
  nginx -c "$dir/nginx.conf" -p "$dir" -e "$dir/error.log"
  NGINX_DIR[$1]="$dir"
  NGINX_DIRS+=("$dir")
}

alloc; P_DIRECT=$PORT_OUT
write_nginx_conf "$WORK" "$P_DIRECT" /videos/ "$VIDEOS"
nginx -c "$WORK/nginx.conf" -p "$WORK" -e "$WORK/nginx-error.log"
NGINX_DIR[direct]="$WORK"
NGINX_DIRS+=("$WORK")
declare -A SPORT
for s in s1 s2 x1 x2; do alloc; SPORT[$s]=$PORT_OUT; done
start_stream s1 "${SPORT[s1]}" ""
start_stream s2 "${SPORT[s2]}" ""
start_stream x1 "${SPORT[x1]}" /_accel
start_stream x2 "${SPORT[x2]}" /_accel
declare -A LPORT
for lb in c d e f g; do alloc; LPORT[$lb]=$PORT_OUT; done
start_balancer c "${LPORT[c]}" "${SPORT[s1]}"
start_balancer d "${LPORT[d]}" "${SPORT[s1]},${SPORT[s2]}"
start_balancer e "${LPORT[e]}" "${SPORT[x1]},${SPORT[x2]}"
start_balancer f "${LPORT[f]}" "${SPORT[x1]}"
start_balancer g "${LPORT[g]}" "${SPORT[s1]},${SPORT[s2]}" 'proxy_buffer_size 256k; proxy_buffers 4 256k; proxy_busy_buffers_size 256k;'
grep -q 'proxy_buffer_size 256k;' "${NGINX_DIR[g]}/nginx.conf" || { echo "case g: the stream listener was not found in the rendered nginx.conf" >&2; exit 1; }
for s in s1 s2 x1 x2; do wait_http "http://127.0.0.1:${SPORT[$s]}/healthz"; done

# case -> "url-port nginx-name stream-names"
declare -A CASE=(
  [a]="$P_DIRECT direct -"
  [b]="${SPORT[s1]} - s1"
  [c]="${LPORT[c]} c s1"
  [d]="${LPORT[d]} d s1,s2"
  [e]="${LPORT[e]} e x1,x2"
  [f]="${LPORT[f]} f x1"
  [g]="${LPORT[g]} g s1,s2"
)
CASES=(a b c d e f g)
for c in "${CASES[@]}"; do read -r p _ _ <<<"${CASE[$c]}"; wait_http "http://127.0.0.1:$p/videos/ten10"; done
# Through X-Accel the headers are the stream server's and the bytes nginx's: check once.
curl -fs -D "$WORK/e.head" -o "$WORK/e.body" -H 'Range: bytes=1048576-1114111' "http://127.0.0.1:${LPORT[e]}/videos/big100"
cmp -s "$WORK/e.body" <(tail -c +1048577 "$VIDEOS/big100" | head -c 65536) || { echo "X-Accel range differs from the file" >&2; exit 1; }
curl -fs -D - -o /dev/null -H 'X-Accel-Allowed: 1' "http://127.0.0.1:${SPORT[x1]}/videos/ten10" | grep -qi '^x-accel-redirect: /_accel/ten10' \
  || { echo "the accel stream server did not answer with X-Accel-Redirect" >&2; exit 1; }

TICKS="$(getconf CLK_TCK)"
ticks_of() { # pid... -> user+system ticks of each and its children
  local t=0 p
  for p in "$@" $(for q in "$@"; do pgrep -P "$q" || true; done); do
    [[ -r "/proc/$p/stat" ]] && t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "$t"
}
nginx_pids() { [[ "$1" == - ]] || cat "${NGINX_DIR[$1]}/nginx.pid"; }
stream_pids() { local s; [[ "$1" == - ]] || for s in ${1//,/ }; do echo "${STREAM_PID[$s]}"; done; }

run_case() { # case conns file size rangelen -> "rps p99 errors nginx-us/req stream-us/req"
  local p n s np sp nb sb out rps
  read -r p n s <<<"${CASE[$1]}"
  np="$(nginx_pids "$n")"; sp="$(stream_pids "$s")"
  # shellcheck disable=SC2086
  nb="$(ticks_of $np)"; sb="$(ticks_of $sp)"
  out="$(FILE_SIZE="$4" RANGE_LEN="$5" wrk -t2 -c"$2" -d"${6:-$DURATION}s" --timeout 10s -s "$ROOT/bench/stream-range.lua" \
    "http://127.0.0.1:$p/videos/$3" | grep '^RESULT' | sed -E 's/.*rps=([0-9.]+).*p99_ms=([0-9.]+).*errors=([0-9]+)/\1 \2 \3/')"
  read -r rps _ _ <<<"$out"
  if [[ -z "$rps" ]] || [[ "$(echo "$rps == 0" | bc -l)" == 1 ]]; then echo "0 0 1 0 0"; return; fi
  # shellcheck disable=SC2086
  local nu=$(( $(ticks_of $np) - nb )) su=$(( $(ticks_of $sp) - sb ))
  local reqs; reqs="$(echo "$rps * ${6:-$DURATION}" | bc -l)"
  echo "$out $(echo "$nu / $TICKS * 1000000 / $reqs" | bc -l) $(echo "$su / $TICKS * 1000000 / $reqs" | bc -l)"
}

SPECS=("1 MiB ranges:big100:104857600:1048576" "64 KiB ranges:big100:104857600:65536" "full 10 MiB:ten10:10485760:0")
echo "warming up (page cache, JIT) ..."
for c in "${CASES[@]}"; do
  for spec in "${SPECS[@]}"; do IFS=: read -r _ file size len <<<"$spec"; run_case "$c" 16 "$file" "$size" "$len" 2 >/dev/null; done
done

declare -A RPS NCPU SCPU P99 ERR
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round of $ROUNDS ..."
  for spec in "${SPECS[@]}"; do
    IFS=: read -r label file size len <<<"$spec"
    for conns in 16 64; do
      for c in "${CASES[@]}"; do
        read -r r p99 e nu su < <(run_case "$c" "$conns" "$file" "$size" "$len")
        k="$label|$conns|$c"
        RPS[$k]=$(echo "${RPS[$k]:-0} + $r / $ROUNDS" | bc -l)
        NCPU[$k]=$(echo "${NCPU[$k]:-0} + $nu / $ROUNDS" | bc -l)
        SCPU[$k]=$(echo "${SCPU[$k]:-0} + $su / $ROUNDS" | bc -l)
        P99[$k]=$(echo "if ($p99 > ${P99[$k]:-0}) $p99 else ${P99[$k]:-0}" | bc -l)
        ERR[$k]=$(( ${ERR[$k]:-0} + e ))
      done
    done
  done
done

bytes_of() { if [[ "$1" == 0 ]]; then echo 10485760; else echo "$1"; fi; }
rows() { # printf-format expression-per-case
  local spec label file size len conns c k line
  for spec in "${SPECS[@]}"; do
    IFS=: read -r label file size len <<<"$spec"
    for conns in 16 64; do
      line="| $label | $conns |"
      for c in "${CASES[@]}"; do k="$label|$conns|$c"; line+=" $("$1" "$k" "$(bytes_of "$len")") |"; done
      echo "$line"
    done
  done
}
f_rps() { printf '%.0f' "${RPS[$1]}"; }
f_mbs() { printf '%.0f' "$(echo "${RPS[$1]} * $2 / 1000000" | bc -l)"; }
f_cpu() { printf '%.0f + %.0f' "${NCPU[$1]}" "${SCPU[$1]}"; }
f_p99() { printf '%.1f' "${P99[$1]}"; }
HEAD='| workload | conns | a nginx direct | b stream direct | c nginx → 1 stream | d nginx → 2 streams | e X-Accel, 2 streams | f X-Accel, 1 stream | g d with 256k proxy buffer |'
SEP='| --- | --- | --- | --- | --- | --- | --- | --- | --- |'
printf '\nreq/s (mean of %s rounds of %s s)\n\n%s\n%s\n' "$ROUNDS" "$DURATION" "$HEAD" "$SEP"; rows f_rps
printf '\nMB/s (req/s × bytes per answer)\n\n%s\n%s\n' "$HEAD" "$SEP"; rows f_mbs
printf '\nCPU µs per request: nginx + stream servers (user + system, all their processes)\n\n%s\n%s\n' "$HEAD" "$SEP"; rows f_cpu
printf '\np99 ms (the worse round)\n\n%s\n%s\n' "$HEAD" "$SEP"; rows f_p99

ratio() { printf '%.2f' "$(echo "${RPS[$1|$2]} / ${RPS[$1|$3]}" | bc -l)"; }
printf '\nratios of req/s (same run)\n\n| workload | conns | d / c (two vs one) | e / d (X-Accel vs proxy, two) | f / c (X-Accel vs proxy, one) | e / g (X-Accel vs tuned proxy) | e / f | b / a | c / a | d / a | e / a |\n'
printf '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n'
for spec in "${SPECS[@]}"; do
  IFS=: read -r label _ _ _ <<<"$spec"
  for conns in 16 64; do
    k="$label|$conns"
    echo "| $label | $conns | $(ratio "$k" d c) | $(ratio "$k" e d) | $(ratio "$k" f c) | $(ratio "$k" e g) | $(ratio "$k" e f) | $(ratio "$k" b a) | $(ratio "$k" c a) | $(ratio "$k" d a) | $(ratio "$k" e a) |"
  done
done
errors=0; for k in "${!ERR[@]}"; do errors=$((errors + ERR[$k])); done
echo
echo "wrk errors (non-2xx, timeouts, resets) over all runs: $errors"
echo "load average at the start: $LOAD_START; at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), node $(node -v), $(nginx -v 2>&1 | sed 's/.*: //'), stream_workers=1"
