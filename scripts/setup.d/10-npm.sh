#!/usr/bin/env bash
# npm packages of every workspace, from the lockfile when it matches.
set -euo pipefail
if [ -f package-lock.json ] && [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  log "node_modules up to date"
elif [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
else
  npm install --no-audit --no-fund --loglevel=error
fi
