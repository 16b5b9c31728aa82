#!/usr/bin/env bash
# Builds the web console (web/console → web/console/dist, git-ignored) with Vite when its
# sources, build config or the lockfile changed since the last build.
set -euo pipefail
root="${SIGNFLOW_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}"
cd "$root"
stamp="web/console/dist/.source-hash"
hash="$( (find web/console/src -type f -print0 | sort -z | xargs -0 sha256sum; sha256sum web/console/index.html web/console/vite.config.ts web/console/tsconfig.json package-lock.json) | sha256sum | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ] && [ -f web/console/dist/index.html ]; then
  log "console up to date"
  exit 0
fi
log "building the web console"
npm run --silent build:console -w web >/dev/null
echo "$hash" > "$stamp"
