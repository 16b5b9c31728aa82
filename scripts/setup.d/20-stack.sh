#!/usr/bin/env bash
# The embedded stack's pinned servers (versions and reasons in stack/tools.json).
set -euo pipefail
pin() { node -e "const t=require('./stack/tools.json')['$1']; console.log(t.module+'@'+t.version)"; }
bash scripts/go-tool.sh nats-server "$(pin nats-server)"
bash scripts/go-tool.sh temporal "$(pin temporal)"
