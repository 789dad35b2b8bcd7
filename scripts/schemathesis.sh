#!/usr/bin/env bash
# Property-based API tests of the central server against its OpenAPI description
# (crates/counter-server/openapi.yaml) with schemathesis and all its checks, twice: without
# credentials, and as an enrolled device. Fails on any 5xx or server panic, any answer the
# description does not describe (status, content type, headers, body), valid data refused,
# invalid data accepted (but see below), or authentication not enforced.
#
#   bash scripts/schemathesis.sh [path/to/counter-server]    (default target/debug/counter-server)
#
# Environment: SCHEMATHESIS_EXAMPLES (test cases per operation and phase, default 100);
# SCHEMATHESIS_SEED (default fixed, so that a failure reproduces; "random" for a new one);
# SCHEMATHESIS_ARGS (more options for both runs, e.g. "--include-path /v1/events").
# JUnit reports land in target/schemathesis-report/. About a minute on 2 cores.
#
# Needs /usr/bin/python3 (Debian 12: 3.11) with venv (python3-venv is installed with apt-get
# when missing, as root); schemathesis and its dependencies are pinned and installed once into
# target/schemathesis-venv, from PyPI. The server runs on a temporary SQLite store on a free
# loopback port and is stopped on exit.
set -euo pipefail
SERVER=${1:+$(realpath "$1")}
cd "$(dirname "$0")/.."

SERVER=${SERVER:-target/debug/counter-server}
EXAMPLES=${SCHEMATHESIS_EXAMPLES:-100}
SEED=${SCHEMATHESIS_SEED:-20240611}
SPEC=$PWD/crates/counter-server/openapi.yaml
VENV=$PWD/target/schemathesis-venv
REPORTS=$PWD/target/schemathesis-report
# schemathesis 4.32.5 and what it pulls in, as installed on Python 3.11 (the same versions
# give the same test cases for a seed).
PINS='schemathesis==4.32.5
anyio==4.16.0
certifi==2026.10.19.post1
charset-normalizer==3.5.3
click==8.5.1
graphql-core==3.3.2
harfile==0.6.0
hypothesis==6.170.17
hypothesis-graphql==0.13.5
idna==3.20
iniconfig==2.3.1
jsonschema_rs==0.60.3
markdown-it-py==4.3.0
MarkupSafe==3.0.4
mdurl==0.1.2
packaging==26.4
pluggy==1.7.0
Pygments==2.21.0
pyrate-limiter==4.5.1
pytest==9.2.0
PyYAML==6.0.4
requests==2.34.2
rich==15.0.0
sortedcontainers==2.4.0
typing_extensions==4.16.0
urllib3==2.8.0
Werkzeug==3.1.9'

started=$SECONDS
say() { printf '== schemathesis: %s\n' "$*"; }

if [[ ! -x $SERVER ]]; then
  echo "no server binary at $SERVER (build it first: cargo build -p counter-server)" >&2
  exit 2
fi
SERVER=$(realpath "$SERVER")

# --- the pinned schemathesis in its own venv, reused while it holds these pins ---
if [[ "$(cat "$VENV/pins.txt" 2>/dev/null)" != "$PINS" ]] || ! "$VENV/bin/schemathesis" --version >/dev/null 2>&1; then
  say "installing ${PINS%%$'\n'*} into $VENV"
  rm -rf "$VENV"
  if ! /usr/bin/python3 -m venv "$VENV" >/dev/null 2>&1; then
    say "installing python3-venv"
    rm -rf "$VENV"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq python3-venv >/dev/null
    /usr/bin/python3 -m venv "$VENV"
  fi
  printf '%s\n' "$PINS" >"$VENV/requirements.txt"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --requirement "$VENV/requirements.txt"
  printf '%s' "$PINS" >"$VENV/pins.txt"
fi
PY="$VENV/bin/python"
ST="$VENV/bin/schemathesis"

# --- a server on a temporary store and a free loopback port ---
TMP=$(mktemp -d)
server_pid=
cleanup() {
  if [[ -n $server_pid ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

DB="sqlite:$TMP/central.db"
# The server's key directory (signing and data keys, made on first use; no TLS certificate, so
# it serves plain HTTP on loopback), in the temporary directory too.
export COUNTER_SERVER_KEYS="$TMP/keys"
# Before the server starts: enrolment passes for two points, a signed calendar and catalog,
# and a rotated signing key (announced as a snapshot), so that the snapshot routes have
# something of each kind to answer with.
CODE=$("$SERVER" --db "$DB" enroll-code --point 3211)
OTHER_CODE=$("$SERVER" --db "$DB" enroll-code --point 3212)
"$SERVER" --db "$DB" publish-calendar catalogs/calendar.toml >/dev/null
"$SERVER" --db "$DB" publish-catalog catalogs/national.toml >/dev/null
"$SERVER" --db "$DB" rotate-signing-key >/dev/null

PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
"$SERVER" --db "$DB" serve --listen "127.0.0.1:$PORT" >"$TMP/server.log" 2>&1 &
server_pid=$!

# Waits until the server answers and enrols the device the tests run as (point 3211, whose
# bearer token it prints) and one of point 3212. Each opens and accepts a case; 3212 hands its
# case over to 3211 with the case record, so that 3211 has a change to pull (below, a central
# decision on its own case makes another).
TOKEN=$("$PY" - "$BASE" "$CODE" "$OTHER_CODE" "$server_pid" <<'PYTHON'
import json, os, sys, time, urllib.error, urllib.request

base, code, other_code, pid = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
deadline = time.time() + 30
while True:
    try:
        urllib.request.urlopen(base + "/openapi.yaml", timeout=2).read()
        break
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            sys.exit("the server stopped before it answered")
        if time.time() > deadline:
            sys.exit("the server did not answer within 30 s")
        time.sleep(0.1)


def post(path, body, token=None):
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), headers=headers)
    try:
        return json.load(urllib.request.urlopen(request, timeout=10))
    except urllib.error.HTTPError as e:
        sys.exit(f"POST {path}: {e.code} {e.read().decode(errors='replace')}")


def enrol(code, name):
    answer = post("/v1/enroll", {"code": code, "device_name": name, "window": 1, "last_seq": 0})
    return f"{answer['device_id']}.{answer['key']}"


def push(token, point, events):
    batch = [
        {"seq": seq, "id": f"0190a000-0000-7000-8000-{point}{seq:08d}", "case_no": f"{point}-20250303-0001", "event": event}
        for seq, event in enumerate(events, 1)
    ]
    answer = post("/v1/events", {"events": batch}, token)
    if answer["acked_through"] != len(events) or answer["rejected"] or answer["gap"]:
        sys.exit(f"seeding point {point}: {answer}")


at = "2025-03-03T09:00:00"
person = {"name": "张三", "id_type": "resident_id", "id_number": "11010519491231002X", "phone": None}


def opened(point):
    return {"at": at, "clerk": "王五", "event": "opened", "catalog": "national", "edition": "附件1",
            "item": "002036006002", "point": point, "applicant": {"kind": "person", **person},
            "agent": None, "answers": {}}


# The server judges what a device says by the catalog: a real item, its four materials
# received, then the acceptance with the item's own time-limit kind.
ticks = [{"at": at, "clerk": "王五", "event": "ticked", "key": f"m{k}", "form": "original",
          "copies": 1, "option": None} for k in range(1, 5)]


accepted = {"at": at, "clerk": "王五", "event": "accepted", "kind": "working_days", "due": "2025-03-10",
            "provisional": False, "calendar_version": "2026-v1"}
material = {"key": "m1", "name": "身份证", "copies": 1, "source": "item", "optional": False,
            "deferrable": False, "promise": False}
case = {
    "case_no": "3212-20250303-0001", "catalog": "national", "edition": "附件1", "item": "002036006002",
    "item_name": "住院费用报销",
    "bundle": None, "applicant": {"kind": "person", **person}, "agent": person, "point": "3212",
    "clerk": "王五", "opened_at": at, "state": "accepted", "answers": {"s1": "a1"},
    "checklist": [{"material": material, "status": {"status": "received", "form": "copy", "copies": 1}}],
    "notice": None, "refusal": None,
    "acceptance": {"at": at, "kind": "working_days", "working_days": 5, "due": "2025-03-10",
                   "provisional": False, "calendar_version": "2026-v1"},
    "completed_at": None, "completed_by": None, "omissions": [], "reason": None,
    "custody": [{"from": "3212", "to": "3212", "at": at, "by": "王五", "kind": "accepted",
                 "sheet_no": None, "notes": []}],
    "ratings": [], "assisted": None,
}
handed_over = {"at": at, "clerk": "王五", "event": "handed_over", "sheet_no": "JJ-3212-20250303-01", "from": "3212",
               "to": "3211", "sheet": ["3212-20250303-0001"], "case": case}

token = enrol(code, "schemathesis")
push(token, "3211", [opened("3211"), *ticks, accepted])
other = enrol(other_code, "schemathesis 3212")
push(other, "3212", [opened("3212"), *ticks, accepted, handed_over])
print(token)
PYTHON
) || { cat "$TMP/server.log" >&2; exit 1; }
"$SERVER" --db "$DB" review 3211-20250303-0001 --approve
# The console's staff: a reviewer and an administrator, each signed in for a run of its own.
for who in reviewer admin; do
  echo "schemathesis-$who-password" | "$SERVER" --db "$DB" staff add "st-$who" --role "$who" >/dev/null
done
session() { # $1: the staff role; prints the session cookie
  "$PY" - "$BASE" "st-$1" "schemathesis-$1-password" <<'PYTHON'
import json, sys, urllib.request

base, name, password = sys.argv[1:4]
request = urllib.request.Request(base + "/console/api/login", data=json.dumps({"name": name, "password": password}).encode(),
                                 headers={"content-type": "application/json"})
answer = urllib.request.urlopen(request, timeout=10)
print(answer.headers["set-cookie"].split(";")[0])
PYTHON
}
REVIEWER_COOKIE=$(session reviewer)
ADMIN_COOKIE=$(session admin)
say "server $BASE (pid $server_pid) on a temporary store: two devices enrolled, two changes for point 3211"
if ! cmp -s <("$PY" -c 'import sys, urllib.request; sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1]).read())' "$BASE/openapi.yaml") "$SPEC"; then
  say "note: the server's /openapi.yaml differs from $SPEC (a binary older than the file?); testing against the file"
fi

# --- schemathesis ---
# Two checks are relaxed where the description cannot say what the server does:
# - POST /v1/enroll: a code that the schema allows is, but for the one just used, unknown to the
#   server; its 400 is the designed answer to a well-formed enrolment, not valid data refused
#   (and so most of its generated requests are refused: schemathesis warns of a "schema
#   validation mismatch" there, as expected).
# - POST /v1/events, invalid data accepted: the server's JSON reader (serde, chrono) takes more
#   than the event schema allows and stores the event in its canonical form: a tag given as
#   the variant's index ("event": 9 for "completed", "status": 0 for "missing"), a unit value
#   as {"copy": null}, and times like "2024-1-1T9:0:0" or with blanks around them. Everything
#   else is still checked on that route (no 5xx, documented statuses and bodies, valid data
#   accepted).
# Warnings that mean the run itself went wrong fail it: requests rate-limited after all (see
# the hooks below), a pattern or reference of the description schemathesis cannot use.
# Without credentials, that the protected routes answered only 401 is the point, not a warning.
config() { # $1: the warnings to display
  cat <<TOML
[warnings]
display = [$1]
fail-on = ["rate_limited", "unsupported_regex", "unresolvable_reference", "missing_deserializer"]

[[operations]]
include-path = "/v1/enroll"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "429"]

[[operations]]
include-path = "/v1/events"
checks.negative_data_rejection.enabled = false

# The console: a well-formed decision the case's state does not allow, a period that ends
# before it starts, an edition, calendar or export with errors, a staff name taken or unknown
# are refused with 400 (invalid_input), by design.
[[operations]]
include-path-regex = "^/console/api/(cases/.*/(review|complete)|figures.*|catalogs/publish|calendars/publish|imports|staff.*)$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404"]
TOML
}
shown='"validation_mismatch", "missing_test_data", "base_url_mismatch", "missing_deserializer", "unused_openapi_auth", "unsupported_regex", "method_not_allowed", "constants_extraction", "unmatched_filter", "unresolvable_reference", "rate_limited", "dictionary_mismatch", "timeout_units"'
config "$shown" >"$TMP/unauthenticated.toml"
config "\"missing_auth\", $shown" >"$TMP/authenticated.toml"

# The server limits failed authentications (20) and enrolments (10) per address and minute and
# answers 429 beyond, so both runs would soon test nothing but that (and fail the check that a
# request without credentials is answered 401). Here each request comes from an address of its
# own in 127.0.0.0/8: one connection per request (Connection: close), each bound to the next
# loopback address, so every answer is the one the request itself deserves.
cat >"$TMP/hooks.py" <<'PYTHON'
import itertools

import urllib3.util.connection as connection

_create = connection.create_connection
_next = itertools.count()


def create_connection(address, *args, **kwargs):
    if address[0] == "127.0.0.1" and not kwargs.get("source_address"):
        n = next(_next) % ((1 << 24) - 2) + 1
        kwargs["source_address"] = (f"127.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}", 0)
    return _create(address, *args, **kwargs)


connection.create_connection = create_connection
PYTHON
export SCHEMATHESIS_HOOKS="$TMP/hooks.py"

seed=(--seed "$SEED")
[[ $SEED == random ]] && seed=()
mkdir -p "$REPORTS"
# Extra options for both runs, e.g. SCHEMATHESIS_ARGS="--include-path /v1/events" (schemathesis
# runs in the temporary directory: give paths absolute).
read -r -a extra <<<"${SCHEMATHESIS_ARGS:-}"

# Every check runs: that is schemathesis 4's default (naming them with `--checks all` would
# also override the per-operation settings above).
passed=0   # of the two runs and the server log
failed=()
summary=()
run() {
  local name=$1
  shift
  say "run '$name'"
  local rc=0
  # From the temporary directory, where schemathesis and hypothesis leave their caches.
  (cd "$TMP" && "$ST" --config-file "$TMP/$name.toml" run "$SPEC" \
    --url "$BASE" \
    --header "Connection: close" \
    --max-examples "$EXAMPLES" \
    "${seed[@]}" \
    --generation-database none \
    --report junit --report-junit-path "$REPORTS/$name.xml" \
    --no-color \
    "$@" "${extra[@]}") | tee "$TMP/$name.log" || rc=$?
  local cases
  cases=$(grep -A1 '^Test cases:' "$TMP/$name.log" | tail -n 1 | sed 's/^ *//')
  summary+=("$name: ${cases:-no test cases}")
  if [[ $rc -eq 0 ]]; then passed=$((passed + 1)); else failed+=("$name"); fi
}

run unauthenticated
run authenticated --header "Authorization: Bearer $TOKEN"
# The console as a reviewer and as an administrator (signing out would end the run's session).
# The session is given as the description's `console` scheme, so that schemathesis knows it
# for the credential and also tries the requests without it.
for who in reviewer admin; do
  cookie=REVIEWER_COOKIE
  [[ $who == admin ]] && cookie=ADMIN_COOKIE
  { config "\"missing_auth\", $shown"; printf '\n[auth.openapi.console]\napi_key = "%s"\n' "${!cookie#*=}"; } >"$TMP/console-$who.toml"
  run "console-$who" --include-path-regex '^/console/api/' --exclude-path /console/api/logout
done

# A panic the answers did not show (a 500 already fails a run) still fails the whole.
if grep -q 'panicked' "$TMP/server.log"; then
  say "the server panicked:"
  grep -A1 'panicked' "$TMP/server.log" | grep -v '^--$' | sed 's/ ([0-9]*)//' | awk '!seen[$0]++'
  failed+=(server-log)
  summary+=("server log: panicked")
else
  passed=$((passed + 1))
  summary+=("server log: no panic")
fi
say "summary (seed $SEED, $EXAMPLES examples per operation and phase, $((SECONDS - started)) s):"
printf '   %s\n' "${summary[@]}"
# Not in the "N passed, N failed" form, which CI would take for the count of the project's tests.
if [[ ${#failed[@]} -eq 0 ]]; then
  say "PASSED: $passed of $passed (unauthenticated, authenticated, console as reviewer and admin, server log)"
else
  say "FAILED: ${failed[*]}; $passed of $((passed + ${#failed[@]})) passed (JUnit reports in $REPORTS)"
  exit 1
fi
