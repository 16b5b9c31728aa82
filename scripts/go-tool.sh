#!/usr/bin/env bash
# go-tool.sh NAME PACKAGE@VERSION [WRAPPER_DIR]
# Builds a pinned Go binary once: .tools/bin/NAME is reused when its .version stamp matches,
# else the machine cache is copied, else `go install` (or `go build` in WRAPPER_DIR) runs.
set -euo pipefail
name="$1"; spec="$2"; wrapper="${3:-}"
bin="$SIGNFLOW_TOOLS_BIN/$name"; stamp="$bin.version"
cached="$SIGNFLOW_TOOLS_CACHE/$name-${spec##*@}"
if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$spec" ]; then
  exit 0
fi
if [ -x "$cached" ]; then
  log "$name: from cache $cached"
else
  log "$name: building $spec (first time only)"
  tmp="$(mktemp -d)"
  if [ -n "$wrapper" ]; then
    (cd "$wrapper" && GOFLAGS=-mod=mod go build -o "$tmp/$name" .)
  else
    GOBIN="$tmp" go install "$spec"
  fi
  mkdir -p "$(dirname "$cached")"
  cp "$tmp/$name" "$cached.partial" && mv "$cached.partial" "$cached"
  rm -rf "$tmp"
fi
cp "$cached" "$bin.partial" && mv "$bin.partial" "$bin"
echo "$spec" > "$stamp"
