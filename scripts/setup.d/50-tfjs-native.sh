#!/usr/bin/env bash
# Native TensorFlow backend for TF.js, built from the package registries only.
#
# @tensorflow/tfjs-node's own install script downloads libtensorflow and a prebuilt addon from
# a host we cannot reach, so it is not an npm dependency. Instead this step:
#   1. takes libtensorflow_cc.so.2 + libtensorflow_framework.so.2 + the C headers from the
#      TensorFlow wheel on PyPI (`tensorflow-cpu`; `tensorflow` for the GPU flavour). The same
#      libraries are in Maven Central's org.tensorflow:tensorflow-core-native, byte for byte;
#      libtensorflow_cc exports the whole C and eager C API that the binding calls;
#   2. fetches @tensorflow/tfjs-node(-gpu) from npm with --ignore-scripts;
#   3. builds its N-API binding with node-gyp against those libraries and the local Node
#      headers (no header download), with libtensorflow.so -> libtensorflow_cc.so.2;
#   4. lays it out in .tools/tfjs-node(-gpu)/node_modules, where the binding's own
#      @tensorflow/tfjs and tfjs-core are links to the workspace's copies (one engine).
# The build (about 700 MB of libraries) is kept in the machine cache and reused. Any failure
# leaves a note and exits 0: training then falls back to wasm or cpu, never breaks setup.
set -uo pipefail
ROOT="${SIGNFLOW_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}"
CACHE_ROOT="${SIGNFLOW_TOOLS_CACHE:-$HOME/.cache/signflow/tools}"
say() { if declare -F log >/dev/null; then log "tfjs-native: $*"; else echo "tfjs-native: $*" >&2; fi; }

TF_VERSION="2.18.0"   # keep equal to workers/keras-baseline/requirements.txt (same kernels both sides)
TFJS_VERSION="$(node -p "require('$ROOT/workers/package.json').dependencies['@tensorflow/tfjs']" 2>/dev/null)"
[ -n "$TFJS_VERSION" ] && [ "$TFJS_VERSION" != undefined ] || { say "no @tensorflow/tfjs in workers/package.json; skipped"; exit 0; }

has_cuda() {
  command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1 && return 0
  ldconfig -p 2>/dev/null | grep -q 'libcuda\.so\.1' && return 0
  return 1
}
FLAVOR="${SIGNFLOW_TFJS_FLAVOR:-}"
if [ -z "$FLAVOR" ]; then if has_cuda; then FLAVOR=gpu; else FLAVOR=cpu; fi; fi
# The GPU flavour links the CUDA build of libtensorflow; it expects CUDA 12 and cuDNN 9 on the
# library path at run time (as in NVIDIA's CUDA images), since only the wheel itself is taken.
if [ "$FLAVOR" = gpu ]; then PKG="tfjs-node-gpu"; WHEEL="tensorflow==$TF_VERSION"; WHEEL_NAME="tensorflow";
else PKG="tfjs-node"; WHEEL="tensorflow-cpu==$TF_VERSION"; WHEEL_NAME="tensorflow_cpu"; fi

KEY="$PKG-$TFJS_VERSION-tf$TF_VERSION"
CACHE="$CACHE_ROOT/$KEY"
DEST="$ROOT/.tools/$PKG"
STAMP="$DEST/.version"

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$KEY" ] && [ -e "$DEST/node_modules/@tensorflow/$PKG/lib" ]; then
  exit 0
fi

build() {
  local node_inc; node_inc="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
  [ -f "$node_inc/include/node/node_api.h" ] || { say "Node headers not found under $node_inc/include/node"; return 1; }
  command -v g++ >/dev/null && command -v make >/dev/null || { say "g++ and make are needed"; return 1; }
  python3 -m pip --version >/dev/null 2>&1 || { say "python3 -m pip is needed to fetch the TensorFlow wheel"; return 1; }

  local work; work="$(mktemp -d "${TMPDIR:-/tmp}/tfjs-native.XXXXXX")"
  trap 'rm -rf "$work"' RETURN
  say "fetching $WHEEL from PyPI (libtensorflow + C headers, first time only)"
  python3 -m pip download --quiet --no-deps --only-binary=:all: "$WHEEL" -d "$work/wheel" || return 1
  local whl; whl="$(ls "$work"/wheel/"$WHEEL_NAME"-*.whl 2>/dev/null | head -1)"
  [ -n "$whl" ] || { say "no $WHEEL_NAME wheel was downloaded"; return 1; }
  python3 - "$whl" "$work/tf" <<'PY' || return 1
import sys, zipfile
whl, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(whl) as z:
    for n in z.namelist():
        if n in ('tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2') or n.startswith('tensorflow/include/'):
            z.extract(n, out)
PY

  say "fetching @tensorflow/$PKG@$TFJS_VERSION from npm (scripts ignored)"
  (cd "$work" && npm pack --silent "@tensorflow/$PKG@$TFJS_VERSION" >/dev/null) || return 1
  mkdir -p "$work/pkg" && tar xzf "$work"/tensorflow-"$PKG"-*.tgz -C "$work/pkg" --strip-components=1 || return 1
  (cd "$work/pkg" && npm install --silent --ignore-scripts --omit=dev --no-audit --no-fund --no-package-lock) || return 1
  mkdir -p "$work/pkg/deps/lib"
  mv "$work/tf/tensorflow/libtensorflow_cc.so.2" "$work/tf/tensorflow/libtensorflow_framework.so.2" "$work/pkg/deps/lib/"
  ln -s libtensorflow_cc.so.2 "$work/pkg/deps/lib/libtensorflow.so"
  ln -s libtensorflow_framework.so.2 "$work/pkg/deps/lib/libtensorflow_framework.so"
  mv "$work/tf/tensorflow/include" "$work/pkg/deps/include"

  say "building the $PKG binding with node-gyp (about a minute)"
  (cd "$work/pkg" && node node_modules/@mapbox/node-pre-gyp/bin/node-pre-gyp rebuild --build-from-source \
      --nodedir="$node_inc" >"$work/gyp.log" 2>&1) || { tail -20 "$work/gyp.log" >&2; return 1; }
  # Headers, objects and the binding's private copy of tfjs are build-time only.
  rm -rf "$work/pkg/deps/include" "$work/pkg/build" "$work/pkg/node_modules/@tensorflow"
  (cd "$work/pkg" && node -e "require('@mapbox/node-pre-gyp').find(require('path').resolve('package.json'))" >/dev/null) || return 1

  mkdir -p "$(dirname "$CACHE")"
  rm -rf "$CACHE.partial" && mv "$work/pkg" "$CACHE.partial" && rm -rf "$CACHE" && mv "$CACHE.partial" "$CACHE"
}

if [ ! -f "$CACHE/.complete" ]; then
  if ! build; then
    say "could not build the native backend (see above); training will use wasm or cpu"
    exit 0
  fi
  echo "$KEY" > "$CACHE/.complete"
fi

# Per-checkout layout: a copy of the small JS package whose libraries and @tensorflow/tfjs
# resolve to the machine cache and to this workspace's node_modules.
rm -rf "$DEST" && mkdir -p "$DEST/node_modules/@tensorflow"
target="$DEST/node_modules/@tensorflow/$PKG"
mkdir -p "$target"
(cd "$CACHE" && tar cf - --exclude=./deps . ) | (cd "$target" && tar xf -)
mkdir -p "$target/deps" && ln -s "$CACHE/deps/lib" "$target/deps/lib"
mkdir -p "$target/node_modules/@tensorflow"
for dep in tfjs tfjs-core; do
  ln -s "$ROOT/node_modules/@tensorflow/$dep" "$target/node_modules/@tensorflow/$dep"
done
if node -e "require('$target')" >/dev/null 2>&1; then
  echo "$KEY" > "$STAMP"
  say "$PKG ready in .tools/$PKG (TensorFlow $TF_VERSION)"
else
  say "built, but loading $PKG failed; training will use wasm or cpu"
  node -e "require('$target')" 2>&1 | tail -5 >&2
  rm -rf "$DEST"
fi
exit 0
