#!/usr/bin/env bash
# k8s-tool.sh NAME — builds one pinned binary of tools/k8s/pins.json once, like go-tool.sh
# (reused from .tools/bin when its .version stamp matches, else from the machine cache, else
# built), plus what go-tool.sh lacks: a package path inside a wrapper module and -ldflags that
# stamp Kubernetes' version (without them kube-apiserver reports v0.0.0-master).
set -euo pipefail
name="$1"
pins="$SIGNFLOW_ROOT/tools/k8s/pins.json"
IFS=$'\t' read -r module version package wrapper < <(node -e "const p=require('$pins')['$name']; console.log([p.module, p.version, p.package, p.wrapper ?? ''].join('\t'))")
spec="$module@$version"
bin="$SIGNFLOW_TOOLS_BIN/$name"; stamp="$bin.version"
cached="$SIGNFLOW_TOOLS_CACHE/$name-$version"
if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$spec" ]; then
  exit 0
fi
if [ -x "$cached" ]; then
  log "$name: from cache $cached"
else
  log "$name: building $spec (first time only; kube-apiserver takes 10-20 minutes on 2 cores)"
  ldflags="-s -w"
  if [ "$module" = "k8s.io/kubernetes" ]; then
    minor="${version#v1.}"; minor="${minor%%.*}"
    for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ldflags="$ldflags -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
    done
  fi
  tmp="$(mktemp -d)"
  start=$SECONDS
  if [ -n "$wrapper" ]; then
    (cd "$SIGNFLOW_ROOT/$wrapper" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$tmp/$name" "$package")
  else
    GOBIN="$tmp" CGO_ENABLED=0 go install -trimpath -ldflags "$ldflags" "$spec"
  fi
  log "$name: built in $((SECONDS - start)) s"
  mkdir -p "$(dirname "$cached")"
  cp "$tmp/$name" "$cached.partial" && mv "$cached.partial" "$cached"
  rm -rf "$tmp"
fi
cp "$cached" "$bin.partial" && mv "$bin.partial" "$bin"
echo "$spec" > "$stamp"
