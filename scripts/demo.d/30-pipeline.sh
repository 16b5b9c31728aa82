#!/usr/bin/env bash
# Pipeline demo: upload the sign-recognition pipeline and run it on the MSL-150 fixture
# sequences (import → split → train → evaluate → register → deploy), watching each step.
# Runs after `signflow up --detach` (scripts/demo.sh); `signflow` is a shell function there.
set -euo pipefail
cd "$(dirname "$0")/../.."
FIXTURES="${SIGNFLOW_FIXTURES:-$(cd .. && pwd)/shared/fixtures}"
signflow pipeline upload pipelines/src/catalog/sign-recognition.ts
signflow run submit sign-recognition \
  -p sourceKind=msl150 -p sourcePath="$FIXTURES/msl150/sample_npy" \
  -p splitMethod=stratified-kfold -p deploy=true --watch
signflow model ls
echo "pipeline demo: the run, its steps, logs and lineage: signflow run ls; signflow run get <run>; signflow lineage model:sign-recognition@<version>"
