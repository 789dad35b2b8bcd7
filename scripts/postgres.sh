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
# TLS with a test authority of its own (the central server's `sslmode=require` test verifies
# the certificate against it): made once, for localhost and 127.0.0.1.
tls=/etc/postgresql/counter-tls
if [ ! -s "$tls/server.pem" ]; then
  log "making a TLS authority and certificate for the test cluster"
  $SUDO mkdir -p "$tls"
  $SUDO openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=Counter test PostgreSQL CA" \
    -keyout "$tls/ca.key" -out "$tls/ca.pem" 2>/dev/null
  $SUDO openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
    -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' | $SUDO tee "$tls/san.ext" >/dev/null
  $SUDO openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" \
    -CAcreateserial -days 3650 -extfile "$tls/san.ext" -out "$tls/server.pem" 2>/dev/null
  $SUDO chown postgres:postgres "$tls/server.key" "$tls/server.pem"
  $SUDO chmod 600 "$tls/server.key" "$tls/ca.key"
  $SUDO chmod 644 "$tls/ca.pem"
fi
conf="/etc/postgresql/$ver/main/conf.d/counter-tls.conf"
want="ssl = on
ssl_cert_file = '$tls/server.pem'
ssl_key_file = '$tls/server.key'"
if [ "$(cat "$conf" 2>/dev/null)" != "$want" ]; then
  log "configuring TLS"
  printf '%s\n' "$want" | $SUDO tee "$conf" >/dev/null
  if pg_lsclusters -h | awk '{print $4}' | grep -q online; then
    $SUDO pg_ctlcluster "$ver" main reload
  fi
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
log "ready: postgres://counter:counter@127.0.0.1/counter (and /counter_bench for the load bench); TLS authority $tls/ca.pem"
