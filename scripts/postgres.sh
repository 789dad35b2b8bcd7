#!/usr/bin/env bash
# Makes sure a PostgreSQL server runs on loopback with a `counter` role (password `counter`,
# allowed to create databases) owning the databases `counter` (the server's conformance tests)
# and `counter_bench` (the sync load bench). Idempotent; needs root.
# Prints nothing but progress; the tests read COUNTER_TEST_PG, which scripts/test.sh sets.
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
log() { printf '[postgres] %s\n' "$*"; }
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }

ver=$(ls /usr/lib/postgresql | sort -n | tail -n1)
if ! pg_lsclusters -h 2>/dev/null | grep -q .; then
  log "creating cluster $ver/main"
  $SUDO pg_createcluster "$ver" main >/dev/null
fi
if ! pg_lsclusters -h | awk '{print $4}' | grep -q online; then
  log "starting cluster"
  $SUDO pg_ctlcluster "$ver" main start
fi
for _ in $(seq 1 50); do
  as_pg psql -qAtc "SELECT 1" >/dev/null 2>&1 && break
  sleep 0.2
done
if ! as_pg psql -qAtc "SELECT 1 FROM pg_roles WHERE rolname = 'counter'" | grep -q 1; then
  log "creating role counter"
  as_pg psql -qc "CREATE ROLE counter LOGIN CREATEDB PASSWORD 'counter'"
fi
# `counter` for the conformance tests; `counter_bench` for the load bench (docs/benchmarks.md).
for db in counter counter_bench; do
  if ! as_pg psql -qAtc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
    log "creating database $db"
    as_pg createdb -O counter "$db"
  fi
done
log "ready: postgres://counter:counter@127.0.0.1/counter (and /counter_bench for the load bench)"
