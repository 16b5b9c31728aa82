#!/usr/bin/env bash
# mediamtx, the RTSP server that the camera agent's RTSP tests publish to and read from (pin and
# reason in stack/tools.json). Its module lacks two files that upstream makes with `go generate`
# (which downloads from a release host): internal/core/VERSION is written from the pin, and
# hls.min.js (served only by its HLS web page) comes from npm's hls.js at the version mediamtx names.
# go-tool.sh then builds that prepared tree once and caches the binary like the other tools.
set -euo pipefail
IFS=$'\t' read -r module version < <(node -e "const t=require('./stack/tools.json').mediamtx; console.log(t.module+'\t'+t.version)")
spec="$module@$version"
bin="$SIGNFLOW_TOOLS_BIN/mediamtx"
if { [ -x "$bin" ] && [ "$(cat "$bin.version" 2>/dev/null)" = "$spec" ]; } || [ -x "$SIGNFLOW_TOOLS_CACHE/mediamtx-$version" ]; then
  exec bash scripts/go-tool.sh mediamtx "$spec"
fi
src="$(mktemp -d)"
trap 'chmod -R u+w "$src" 2>/dev/null; rm -rf "$src"' EXIT
moddir="$(go mod download -json "$spec" | node -e "let s='';process.stdin.on('data',(d)=>{s+=d}).on('end',()=>console.log(JSON.parse(s).Dir))")"
mkdir -p "$src/tree" && cp -r "$moddir/." "$src/tree/"
chmod -R u+w "$src/tree"
echo "$version" > "$src/tree/internal/core/VERSION"
hls="$(tr -d '[:space:]' < "$src/tree/internal/servers/hls/hlsjsdownloader/VERSION")"
(cd "$src" && npm pack "hls.js@${hls#v}" --silent --loglevel=error > /dev/null)
tar -xzf "$src/hls.js-${hls#v}.tgz" -C "$src" package/dist/hls.min.js
cp "$src/package/dist/hls.min.js" "$src/tree/internal/servers/hls/hls.min.js"
bash scripts/go-tool.sh mediamtx "$spec" "$src/tree"
