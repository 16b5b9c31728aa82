#!/usr/bin/env bash
# The main demo on the embedded local stack: start it detached, show its health, then run each
# demo step that the packages provide (scripts/demo.d/*.sh, in name order). The stack keeps
# running afterwards; `npx signflow down` stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
signflow() { node cli/bin/signflow.js "$@"; }
export -f signflow

signflow up --detach
signflow status
for step in scripts/demo.d/*.sh; do
  [ -e "$step" ] || continue
  echo
  echo "== demo: $(basename "$step" .sh) =="
  bash "$step"
done
echo
echo "signflow is running (data in \${SIGNFLOW_DATA_DIR:-~/.signflow}). Stop it with: npx signflow down"
