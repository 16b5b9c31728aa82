#!/usr/bin/env bash
# Python venv for the Keras side of the training benchmark (workers/keras-baseline), from PyPI.
# Kept in the machine cache, keyed by the requirements' hash; .tools/keras-venv points to it.
# A failure leaves a note and exits 0: the benchmark then reports the Keras figures as unavailable.
set -uo pipefail
ROOT="${SIGNFLOW_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}"
CACHE_ROOT="${SIGNFLOW_TOOLS_CACHE:-$HOME/.cache/signflow/tools}"
say() { if declare -F log >/dev/null; then log "keras-baseline: $*"; else echo "keras-baseline: $*" >&2; fi; }
req="$ROOT/workers/keras-baseline/requirements.txt"
[ -f "$req" ] || exit 0
key="keras-venv-$(sha256sum "$req" | cut -c1-12)"
venv="$CACHE_ROOT/$key"
if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.complete" ]; then
  say "creating $key (tensorflow-cpu from PyPI, first time only)"
  rm -rf "$venv" && python3 -m venv "$venv" \
    && "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req" \
    && touch "$venv/.complete" \
    || { say "could not install the Keras baseline; the benchmark will skip it"; rm -rf "$venv"; exit 0; }
fi
mkdir -p "$ROOT/.tools"
ln -sfn "$venv" "$ROOT/.tools/keras-venv"
exit 0
