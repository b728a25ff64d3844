#!/usr/bin/env bash
# Runs the built services (./buildprod.sh → bin/) in the background: one pid file and one log file
# per service, start waits for every /healthz, stop is SIGTERM then SIGKILL after a timeout.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SERVICES=(api streamserver scheduler web)

usage() {
  cat <<EOF
usage: ./deploy.sh start|stop|restart|status|logs [service] [--help]

  start     start the four services from bin/ in the background and wait until each answers
            GET /healthz; refuses if any of them is already running
  stop      SIGTERM each service (in-flight requests finish), SIGKILL after STOP_TIMEOUT seconds
  restart   stop, then start
  status    pid, port and health of each service (exit 0 only when all four are healthy)
  logs      the last LINES (50) lines of each log, or of one service; 'logs api -f' follows it

Environment:
  BIN_DIR        the build to run (default ./bin, made by ./buildprod.sh)
  RUN_DIR        pid files (default \$BIN_DIR/run)     LOG_DIR   logs (default \$BIN_DIR/logs)
  CONFIG         settings file (default \$BIN_DIR/conf.json)
  START_TIMEOUT  seconds to wait for health (default 60)   STOP_TIMEOUT  (default 20)
  Any setting can be overridden by its upper-case name, e.g. API_PORT=19003 API_URL=http://127.0.0.1:19003
  (the services reach each other through API_URL, STREAM_URL and SCHEDULER_URL: change them with the ports).
EOF
}

BIN_DIR="$(cd "${BIN_DIR:-$ROOT/bin}" 2>/dev/null && pwd || echo "${BIN_DIR:-$ROOT/bin}")"
RUN_DIR="${RUN_DIR:-$BIN_DIR/run}"
LOG_DIR="${LOG_DIR:-$BIN_DIR/logs}"
export CONFIG="${CONFIG:-$BIN_DIR/conf.json}"
START_TIMEOUT="${START_TIMEOUT:-60}"
STOP_TIMEOUT="${STOP_TIMEOUT:-20}"

say() { printf '%s\n' "$*"; }
fail() { printf 'deploy.sh: %s\n' "$*" >&2; exit 1; }

need_build() {
  for svc in "${SERVICES[@]}"; do
    [[ -x "$BIN_DIR/$svc" && -f "$BIN_DIR/lib/$svc.mjs" ]] ||
      fail "no build in $BIN_DIR ($svc is missing); run ./buildprod.sh first"
  done
  [[ -f "$CONFIG" ]] || fail "settings file $CONFIG not found; run ./buildprod.sh, or point CONFIG at your conf.json"
}

# Where this machine reaches each service (probe host and port), as the services' own config loader
# resolves them: environment over the settings file over defaults, every key validated.
declare -A PORT PROBE
load_ports() {
  local tsx="$ROOT/node_modules/.bin/tsx" out key value
  [[ -x "$tsx" ]] || fail "tsx is not installed in $ROOT; run 'npm ci' there first"
  out="$("$tsx" "$ROOT/scripts/print-config.ts")" ||
    fail "cannot read the settings in $CONFIG (see above); fix them, or point CONFIG at another file"
  while IFS='=' read -r key value; do
    case "$key" in
      *_probe_host) PROBE[${key%_probe_host}]="$value" ;;
      *_probe_port) PORT[${key%_probe_port}]="$value" ;;
    esac
  done <<<"$out"
}

# A process that exited but was not reaped yet (a zombie) counts as gone.
is_alive() {
  kill -0 "$1" 2>/dev/null || return 1
  [[ -r "/proc/$1/stat" ]] || return 0
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [[ "${stat:0:1}" != Z ]]
}

pid_file() { printf '%s/%s.pid' "$RUN_DIR" "$1"; }
log_file() { printf '%s/%s.log' "$LOG_DIR" "$1"; }

# The service's pid when it is running (and really is that service), else nothing; a stale pid
# file is removed.
running_pid() {
  local svc="$1" file pid
  file="$(pid_file "$svc")"
  [[ -f "$file" ]] || return 0
  pid="$(tr -dc '0-9' <"$file")"
  if [[ -n "$pid" ]] && is_alive "$pid"; then
    if [[ ! -r "/proc/$pid/cmdline" ]] || tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "lib/$svc.mjs"; then
      printf '%s' "$pid"
      return 0
    fi
  fi
  rm -f "$file"
}

# HTTP status of GET /healthz, or 000 when nothing answers.
health() {
  local url="http://${PROBE[$1]}:${PORT[$1]}/healthz"
  if command -v curl >/dev/null; then
    curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null || true
  else
    node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(2000) }).then((r) => console.log(r.status), () => console.log("000"))' "$url"
  fi
}

port_busy() { (exec 3<>"/dev/tcp/${PROBE[$1]//[\[\]]/}/${PORT[$1]}") 2>/dev/null; }

show_log_tail() {
  local file
  file="$(log_file "$1")"
  if [[ -s "$file" ]]; then
    say "--- last lines of $file:"
    tail -n "${2:-20}" "$file"
    say "---"
  else
    say "($file is empty)"
  fi
}

# SIGTERM to the services given, then SIGKILL to whatever is left of their process groups.
stop_services() {
  local svc pid waited=0 pids=() names=()
  for svc in "$@"; do
    pid="$(running_pid "$svc")"
    if [[ -z "$pid" ]]; then
      say "$svc: not running"
      continue
    fi
    kill -TERM "$pid" 2>/dev/null || true
    pids+=("$pid")
    names+=("$svc")
  done
  ((${#pids[@]})) || return 0
  say "sent SIGTERM to ${names[*]}; waiting up to ${STOP_TIMEOUT}s for in-flight requests to finish"
  local left=1
  while ((left)) && ((waited < STOP_TIMEOUT * 10)); do
    left=0
    for pid in "${pids[@]}"; do is_alive "$pid" && left=1; done
    ((left)) && sleep 0.1 && waited=$((waited + 1))
  done
  local i
  for i in "${!pids[@]}"; do
    pid="${pids[$i]}"
    if is_alive "$pid"; then
      say "${names[$i]}: did not stop within ${STOP_TIMEOUT}s; sending SIGKILL"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      # SIGKILL is not instant on a busy machine: return only once the process is gone.
      local k
      for k in $(seq 1 50); do is_alive "$pid" || break; sleep 0.1; done
      is_alive "$pid" && say "${names[$i]}: pid $pid still present after SIGKILL"
    else
      # Whatever the service forked (cluster workers) goes with it.
      kill -KILL -- "-$pid" 2>/dev/null || true
      say "${names[$i]}: stopped (pid $pid)"
    fi
    rm -f "$(pid_file "${names[$i]}")"
  done
}

cmd_start() {
  need_build
  load_ports
  local svc pid problems=()
  for svc in "${SERVICES[@]}"; do
    pid="$(running_pid "$svc")"
    if [[ -n "$pid" ]]; then
      problems+=("$svc is already running (pid $pid)")
    elif port_busy "$svc"; then
      problems+=("port ${PORT[$svc]} for $svc is already in use by another process")
    fi
  done
  if ((${#problems[@]})); then
    printf 'deploy.sh: %s\n' "${problems[@]}" >&2
    fail "not starting a second copy; use ./deploy.sh status, ./deploy.sh stop or ./deploy.sh restart"
  fi

  mkdir -p "$RUN_DIR" "$LOG_DIR"
  for svc in "${SERVICES[@]}"; do
    rm -f "$(pid_file "$svc")"
    printf '\n=== %s: starting %s on port %s\n' "$(date -u +%FT%TZ)" "$svc" "${PORT[$svc]}" >>"$(log_file "$svc")"
    # Own session: a Ctrl-C in this terminal later does not reach the services.
    PID_FILE="$(pid_file "$svc")" setsid "$BIN_DIR/$svc" </dev/null >>"$(log_file "$svc")" 2>&1 &
  done

  say "waiting up to ${START_TIMEOUT}s for /healthz on ports ${PORT[api]}, ${PORT[streamserver]}, ${PORT[scheduler]}, ${PORT[web]}…"
  local started=$SECONDS deadline=$((SECONDS + START_TIMEOUT)) pending=("${SERVICES[@]}") failed="" reason=""
  while ((${#pending[@]})); do
    local still=()
    for svc in "${pending[@]}"; do
      # The entry script writes its pid file as it starts; until then the service is pending.
      pid=""
      [[ -f "$(pid_file "$svc")" ]] && pid="$(tr -dc '0-9' <"$(pid_file "$svc")")"
      if [[ -n "$pid" ]] && ! is_alive "$pid"; then
        failed="$svc"
        reason="exited during start"
        break 2
      elif [[ -z "$pid" ]]; then
        if ((SECONDS - started > 10)); then
          failed="$svc"
          reason="did not start (no pid file after 10s)"
          break 2
        fi
        still+=("$svc")
      elif [[ "$(health "$svc")" == 200 ]]; then
        say "  $svc up: pid $pid, port ${PORT[$svc]}, log $(log_file "$svc")"
      else
        still+=("$svc")
      fi
    done
    pending=("${still[@]+"${still[@]}"}")
    ((${#pending[@]})) || break
    if ((SECONDS >= deadline)); then
      failed="${pending[0]}"
      reason="did not answer /healthz on port ${PORT[$failed]} within ${START_TIMEOUT}s"
      break
    fi
    sleep 0.3
  done

  if [[ -n "$failed" ]]; then
    say "deploy.sh: FAILED: $failed $reason" >&2
    show_log_tail "$failed" 30 >&2
    say "stopping what was started…" >&2
    stop_services "${SERVICES[@]}" >&2
    fail "$failed did not come up; fix the cause shown above (settings: $CONFIG) and run ./deploy.sh start again"
  fi
  say "all four services are up: http://${PROBE[web]}:${PORT[web]}/   (./deploy.sh status, ./deploy.sh stop)"
}

cmd_stop() {
  load_ports
  local reversed=() i
  for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do reversed+=("${SERVICES[$i]}"); done
  stop_services "${reversed[@]}"
}

cmd_status() {
  load_ports
  local svc pid code healthy=0
  printf '%-13s %-8s %-8s %-6s %s\n' SERVICE STATE PID PORT HEALTH
  for svc in "${SERVICES[@]}"; do
    pid="$(running_pid "$svc")"
    if [[ -n "$pid" ]]; then
      code="$(health "$svc")"
      case "$code" in
        200) printf '%-13s %-8s %-8s %-6s %s\n' "$svc" running "$pid" "${PORT[$svc]}" ok; healthy=$((healthy + 1)) ;;
        000) printf '%-13s %-8s %-8s %-6s %s\n' "$svc" running "$pid" "${PORT[$svc]}" "not answering" ;;
        *) printf '%-13s %-8s %-8s %-6s %s\n' "$svc" running "$pid" "${PORT[$svc]}" "unhealthy (HTTP $code)" ;;
      esac
    else
      printf '%-13s %-8s %-8s %-6s %s\n' "$svc" stopped - "${PORT[$svc]}" -
    fi
  done
  if ((healthy == ${#SERVICES[@]})); then return 0; fi
  say "$healthy of ${#SERVICES[@]} services healthy; logs: ./deploy.sh logs [service]"
  return 3
}

cmd_logs() {
  local which=() follow=0 arg
  for arg in "$@"; do
    case "$arg" in
      -f | --follow) follow=1 ;;
      api | streamserver | scheduler | web) which+=("$arg") ;;
      *) fail "logs: unknown argument '$arg' (a service name: ${SERVICES[*]}, or -f)" ;;
    esac
  done
  ((${#which[@]})) || which=("${SERVICES[@]}")
  local files=() svc
  for svc in "${which[@]}"; do
    [[ -f "$(log_file "$svc")" ]] && files+=("$(log_file "$svc")")
  done
  ((${#files[@]})) || fail "no logs in $LOG_DIR yet; run ./deploy.sh start"
  if ((follow)); then
    exec tail -n "${LINES:-50}" -F "${files[@]}"
  fi
  tail -n "${LINES:-50}" "${files[@]}"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  restart) cmd_stop; need_build; cmd_start ;;
  status) cmd_status ;;
  logs) shift; cmd_logs "$@" ;;
  --help | -h | help) usage ;;
  "") usage >&2; exit 2 ;;
  *) say "deploy.sh: unknown command '$1'" >&2; usage >&2; exit 2 ;;
esac
