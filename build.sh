#!/usr/bin/env bash
# Developer build: type-checks every workspace (incremental) and compiles the four services into
# dist/, with the templates copied where the built web service looks for them.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

usage() {
  cat <<EOF
usage: ./build.sh [--help]

  1. type-checks every workspace with tsc -p tsconfig.json (incremental: the build info is kept in
     .tmp/, so a second run checks only what changed); any type error stops the build;
  2. compiles each service into dist/lib/<service>.mjs (esbuild, source maps, npm packages taken
     from this checkout's node_modules), writes runnable entries dist/api, dist/streamserver,
     dist/scheduler, dist/web, and copies templates/ to dist/templates/ and conf.json to dist/.

Run one service:  dist/api        all four in the background:  BIN_DIR=dist ./deploy.sh start
For a build that runs without the sources (bin/, Docker), use ./buildprod.sh.
'npm start' runs dist/ while it is newer than every source, else the sources through tsx.
EOF
}

case "${1:-}" in
  --help | -h) usage; exit 0 ;;
  "") ;;
  *) echo "build.sh: unknown argument '$1' (see ./build.sh --help)" >&2; exit 2 ;;
esac

cd "$ROOT"
[[ -x node_modules/.bin/tsc ]] || { echo "build.sh: typescript is not installed; run 'npm ci' first" >&2; exit 1; }

echo "type-checking every workspace (tsc -p tsconfig.json, incremental)…"
start=$SECONDS
if ! node_modules/.bin/tsc -p tsconfig.json --pretty; then
  echo >&2
  echo "build.sh: FAILED: type errors above. Fix them and run ./build.sh again." >&2
  exit 1
fi
echo "types ok ($((SECONDS - start))s)"

./buildprod.sh --dev --no-typecheck --out "$ROOT/dist"
echo "next: dist/<service> runs one service; BIN_DIR=dist ./deploy.sh start runs all four"
