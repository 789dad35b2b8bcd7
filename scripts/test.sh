#!/usr/bin/env bash
# Sets up a fresh Debian machine (idempotent) and runs every test: formatting, lints, the UI's
# type check and unit tests, and the whole Rust workspace including the end-to-end tests of
# the real app under Xvfb (run with --include-ignored, so they cannot be skipped silently).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/setup.sh
bash scripts/cups.sh
bash scripts/postgres.sh
# The central server's conformance tests run against SQLite and this PostgreSQL.
export COUNTER_TEST_PG="postgres://counter:counter@127.0.0.1/counter"
# The authority scripts/postgres.sh made for the cluster's TLS (the sslmode=require test).
export COUNTER_TEST_PG_CA=/etc/postgresql/counter-tls/ca.pem

step() { printf '\n== %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "UI: type check and build (embedded into the app)"
(cd ui && npm run build)

step "UI: unit tests"
(cd ui && npm test)

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo test (workspace, end-to-end included, under Xvfb)"
xvfb-run -a -s '-screen 0 1366x768x24' \
  cargo test --workspace --no-fail-fast -- --include-ignored

step "schemathesis: the central server against its OpenAPI description"
bash scripts/schemathesis.sh target/debug/counter-server
