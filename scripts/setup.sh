#!/usr/bin/env bash
# Installs everything signflow needs, idempotently: npm packages, then each step in
# scripts/setup.d/ in name order (system packages, pinned Go-built binaries, ...).
# Built binaries go to .tools/bin (git-ignored) and to a machine-wide cache
# (${SIGNFLOW_TOOLS_CACHE:-~/.cache/signflow/tools}); both are reused when present.
set -euo pipefail
cd "$(dirname "$0")/.."
export SIGNFLOW_ROOT="$PWD"
export SIGNFLOW_TOOLS_BIN="${SIGNFLOW_TOOLS_DIR:-$PWD/.tools/bin}"
export SIGNFLOW_TOOLS_CACHE="${SIGNFLOW_TOOLS_CACHE:-$HOME/.cache/signflow/tools}"
mkdir -p "$SIGNFLOW_TOOLS_BIN" "$SIGNFLOW_TOOLS_CACHE"

log() { printf '\033[1msetup:\033[0m %s\n' "$*" >&2; }
export -f log

for step in scripts/setup.d/*.sh; do
  log "$(basename "$step")"
  bash "$step"
done
log "done"
