#!/usr/bin/env bash
# Production build into bin/: one bundled file per service (esbuild), a runnable entry per service,
# the templates, conf.json, and the few npm packages the bundles keep external, so that bin/ runs on
# its own (no sources, no dev dependencies).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SERVICES=(api streamserver scheduler web)
# Kept out of the bundles, installed into bin/node_modules instead:
# - bcrypt, better-sqlite3: native addons;
# - pino, pino-pretty, thread-stream: pino starts transports (pino-pretty) in worker threads that load
#   files by path, which a bundle does not have;
# - @fastify/swagger-ui: serves its static files from its own package folder;
# - dplayer, and any package the sources locate with require.resolve('<package>…') (added below):
#   the web serves browser builds straight from their packages.
EXTERNALS=(bcrypt better-sqlite3 pino pino-pretty thread-stream @fastify/swagger-ui dplayer)

usage() {
  cat <<EOF
usage: ./buildprod.sh [--out DIR] [--no-typecheck] [--dev] [--help]

Builds the four services for production into bin/ (or DIR; also \$BIN_DIR):
  bin/api, bin/streamserver, bin/scheduler, bin/web   runnable entries (bash, exec node)
  bin/admin                                           the admin command (grant <name> <role>)
  bin/lib/<service>.mjs                               one esbuild bundle per service (+ source map)
  bin/templates/                                      the web's pages and statics
  bin/conf.json                                       copied from ./conf.json (edit it, or use env overrides)
  bin/package.json, package-lock.json, node_modules/  the packages the bundles keep external
bin/data, bin/logs and bin/run are left alone. The build type-checks first (tsc -p tsconfig.json)
unless --no-typecheck is given. Needs the dependencies installed (npm ci).
--dev (what ./build.sh uses) keeps every npm package external and copies none: the result runs
only inside this checkout, against its node_modules.

Next: ./deploy.sh start   (or copy bin/ anywhere with Node 20 and run bin/<service>)
EOF
}

OUT="${BIN_DIR:-$ROOT/bin}"
TYPECHECK=1
DEV=0
while (($#)); do
  case "$1" in
    --help | -h) usage; exit 0 ;;
    --out) OUT="${2:?--out needs a directory}"; shift 2 ;;
    --out=*) OUT="${1#--out=}"; shift ;;
    --no-typecheck) TYPECHECK=0; shift ;;
    --dev) DEV=1; shift ;;
    *) echo "buildprod.sh: unknown argument '$1' (see ./buildprod.sh --help)" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
cd "$ROOT"

fail() { echo "buildprod.sh: $*" >&2; exit 1; }

command -v node >/dev/null || fail "node is not on PATH; install Node.js 20.19 or newer"
[[ -x node_modules/.bin/esbuild ]] || fail "esbuild is not installed; run 'npm ci' in $ROOT first"

# Replacing bin/node_modules under running services could break their lazy requires.
for pidfile in "$OUT"/run/*.pid; do
  [[ -e "$pidfile" ]] || continue
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    fail "$(basename "$pidfile" .pid) is running from $OUT (pid $pid); run ./deploy.sh stop first, or build elsewhere with --out DIR"
  fi
done

if ((TYPECHECK)); then
  echo "type-checking (tsc -p tsconfig.json)…"
  node_modules/.bin/tsc -p tsconfig.json ||
    fail "type errors above; fix them and run ./buildprod.sh again (./build.sh type-checks faster while you iterate)"
fi

echo "cleaning the previous build in $OUT"
rm -rf "${OUT:?}/lib" "$OUT/templates" "$OUT/node_modules" "$OUT/package.json" "$OUT/package-lock.json" "$OUT/conf.json"
for svc in "${SERVICES[@]}" admin; do rm -f "$OUT/$svc"; done
mkdir -p "$OUT/lib"

# CommonJS dependencies inside an ESM bundle call require(), and some use __dirname/__filename;
# the banner gives them module-local equivalents (a bundled module's own `require` shadows them).
BANNER="import { createRequire as __bundleCreateRequire } from 'node:module';
import { fileURLToPath as __bundleFileURLToPath } from 'node:url';
import { dirname as __bundleDirname } from 'node:path';
if (typeof globalThis.require === 'undefined') globalThis.require = __bundleCreateRequire(import.meta.url);
if (typeof globalThis.__filename === 'undefined') globalThis.__filename = __bundleFileURLToPath(import.meta.url);
if (typeof globalThis.__dirname === 'undefined') globalThis.__dirname = __bundleDirname(globalThis.__filename);"

# Packages located at run time by path (require.resolve) must exist on disk beside the bundle.
while read -r pkg; do
  if [[ -n "$pkg" && " ${EXTERNALS[*]} " != *" $pkg "* ]]; then EXTERNALS+=("$pkg"); fi
done < <(grep -rhoE "require\.resolve\(['\"][^'\"./][^'\"]*['\"]" services/*/src packages/*/src 2>/dev/null |
  sed -E "s/^require\.resolve\(['\"]//; s/['\"]$//" | sed -E 's#^((@[^/]+/)?[^/]+).*#\1#' | sort -u)

if ((DEV)); then
  # Every npm dependency stays external; only the workspaces (TypeScript sources) are bundled.
  mapfile -t EXTERNALS < <(node -p 'const p = require("./package.json"); Object.keys({ ...p.dependencies, ...p.devDependencies }).join("\n")')
fi
external_flags=()
for ext in "${EXTERNALS[@]}"; do external_flags+=("--external:$ext" "--external:$ext/*"); done

for svc in "${SERVICES[@]}"; do
  echo "bundling $svc → lib/$svc.mjs"
  node_modules/.bin/esbuild "services/$svc/src/main.ts" \
    --bundle --platform=node --format=esm --target=node20 \
    --outfile="$OUT/lib/$svc.mjs" --sourcemap --legal-comments=none --log-level=warning \
    --banner:js="$BANNER" "${external_flags[@]}" ||
    fail "esbuild could not bundle services/$svc (errors above); fix them and run ./buildprod.sh again"

  # The service's V8 options, as npm start gives them (scripts/node-flags.json says why each is set).
  flags="$(node -p "(require('./scripts/node-flags.json')['$svc']?.flags ?? []).join(' ')")"
  extra=""
  # shellcheck disable=SC2016 # expanded by the entry script, not here
  if [[ "$svc" == web ]]; then extra='export TEMPLATES_DIR="${TEMPLATES_DIR:-$here/templates}"'; fi
  cat >"$OUT/$svc" <<EOF
#!/usr/bin/env bash
# Runs the built $svc service. Settings: \$CONFIG, else the conf.json beside this file; each key can
# be overridden by an environment variable of the same name in upper case (see README.md).
set -euo pipefail
here="\$(cd "\$(dirname "\${BASH_SOURCE[0]}")" && pwd)"
export CONFIG="\${CONFIG:-\$here/conf.json}"
export NODE_ENV="\${NODE_ENV:-production}"
$extra
# deploy.sh asks for the pid: after exec it is the node process's own.
if [[ -n "\${PID_FILE:-}" ]]; then echo "\$\$" >"\$PID_FILE"; fi
exec "\${NODE:-node}" ${flags:+$flags }--enable-source-maps "\$here/lib/$svc.mjs" "\$@"
EOF
  chmod +x "$OUT/$svc"
done

# The operator's command line (scripts/admin.ts: grant a role), bundled and run like the services.
echo "bundling the admin command → lib/admin.mjs"
node_modules/.bin/esbuild scripts/admin.ts \
  --bundle --platform=node --format=esm --target=node20 \
  --outfile="$OUT/lib/admin.mjs" --sourcemap --legal-comments=none --log-level=warning \
  --banner:js="$BANNER" "${external_flags[@]}" ||
  fail "esbuild could not bundle scripts/admin.ts (errors above); fix them and run ./buildprod.sh again"
cat >"$OUT/admin" <<'ENTRY'
#!/usr/bin/env bash
# The admin command of the built site: bin/admin grant <user name> admin|moderator|user (--help).
# Settings as for the services: $CONFIG, else the conf.json beside this file, then env overrides.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export CONFIG="${CONFIG:-$here/conf.json}"
export NODE_ENV="${NODE_ENV:-production}"
exec "${NODE:-node}" --enable-source-maps "$here/lib/admin.mjs" "$@"
ENTRY
chmod +x "$OUT/admin"

echo "copying templates and conf.json"
cp -R templates "$OUT/templates"
cp conf.json "$OUT/conf.json"

if ((DEV)); then
  echo
  echo "built $OUT: ${SERVICES[*]} (development build: runs against $ROOT/node_modules)"
  exit 0
fi

echo "installing the external packages into $OUT/node_modules"
node deploy/prod-deps.mjs "$ROOT" "$OUT" "${EXTERNALS[@]}" ||
  fail "could not assemble $OUT/node_modules (see above)"

size="$(du -sh "$OUT" 2>/dev/null | cut -f1)"
echo
echo "built $OUT ($size): ${SERVICES[*]}"
echo "next: ./deploy.sh start   (settings in $OUT/conf.json or env overrides such as API_PORT=19003)"
