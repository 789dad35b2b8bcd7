#!/usr/bin/env bash
# Sets up a fresh Debian machine (idempotent) and starts Counter on its embedded defaults:
# the built-in catalogs and holiday calendar.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
(cd ui && npm run build)
exec cargo run -p counter-app
