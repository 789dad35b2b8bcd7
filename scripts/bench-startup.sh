#!/usr/bin/env bash
# Start-up time and memory of the installed window, beside a bare Tauri 2 window built from the
# same lock file (src-tauri/examples/bare.rs), run in turns in the Debian 12 root where
# scripts/package-check.sh installed the package (issue 26, docs/benchmarks.md).
#
#   bash scripts/bench-startup.sh [RUNS]      (default 5 runs of each, interleaved)
#   COUNTER_BARE_CJK=1 bash scripts/bench-startup.sh   (the bare page with a line of Chinese)
#   COUNTER_BARE_SETTINGS=app bash scripts/bench-startup.sh   (the bare window with the app's
#                                               WebView settings: no acceleration, no cache)
#
# Start-up: from exec to the first screenshot that equals the settled screen (a fresh home, so
# the app shows its first-use screen; screenshots every few ms with xwd, compared with
# ImageMagick, allowing a blinking caret and a fading scrollbar). Memory: the proportional set size (PSS) of the process
# and every process it started (WebKit's web and network processes), 6 s after start.
# Prints one line per run and the medians.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${1:-5}
CHROOT=$ROOT/target/roots/bookworm-check
OUT=$ROOT/target/bench-startup
SETTLE=6
export PATH="$HOME/.cargo/bin:$PATH"

for p in x11-apps x11-utils imagemagick xvfb; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep "install ok installed" >/dev/null ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$p"
done
[ -x "$CHROOT/usr/bin/counter-app" ] || bash scripts/package-check.sh bookworm
echo "[bench] the bare window (release, same lock file and features as the package)"
cargo build -q --release -p counter-app --example bare --features custom-protocol
install -m 0755 target/release/examples/bare "$CHROOT/usr/local/bin/bare-tauri"

. scripts/roots.sh
cleanup() {
  release_root "$CHROOT" || true
  [ -n "${XVFB_PID:-}" ] && kill "$XVFB_PID" 2>/dev/null || true
}
trap cleanup EXIT
mount_root "$CHROOT"

# The PSS in kB of a process and all its descendants.
tree_pss() {
  local pids=("$1") i=0
  while [ $i -lt ${#pids[@]} ]; do
    for c in $(pgrep -P "${pids[$i]}" || true); do pids+=("$c"); done
    i=$((i + 1))
  done
  local sum=0
  for p in "${pids[@]}"; do
    local kb; kb=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
    sum=$((sum + ${kb:-0}))
  done
  echo "$sum"
}

# run NAME PROGRAM → "ms kB" for one start.
run_once() {
  local name=$1 program=$2 dir=$OUT/$1-$3
  rm -rf "$dir" && mkdir -p "$dir"
  Xvfb :78 -screen 0 1366x768x24 -nolisten tcp >/dev/null 2>&1 &
  XVFB_PID=$!
  sleep 1
  local home; home=$(mktemp -d "$CHROOT/tmp/home.XXXX")
  local t0; t0=$(date +%s%N)
  chroot "$CHROOT" env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="/tmp/$(basename "$home")" \
    LANG=C.UTF-8 DISPLAY=:78 XDG_RUNTIME_DIR=/tmp COUNTER_SYNC_EVERY=0 \
    COUNTER_BARE_CJK="${COUNTER_BARE_CJK:-0}" COUNTER_BARE_SETTINGS="${COUNTER_BARE_SETTINGS:-}" "$program" >"$dir/log" 2>&1 &
  local pid=$! n=0
  while [ $(($(date +%s%N) - t0)) -lt $((SETTLE * 1000000000)) ]; do
    xwd -root -silent -display :78 >"$dir/$n.xwd" 2>/dev/null || true
    echo "$n $(($(date +%s%N) - t0))" >>"$dir/times"
    n=$((n + 1))
  done
  local pss; pss=$(tree_pss "$pid")
  stop_inside "$CHROOT"
  wait "$pid" 2>/dev/null || true
  kill "$XVFB_PID"; wait "$XVFB_PID" 2>/dev/null || true; XVFB_PID=
  rm -rf "$home"
  # Earliest shot from which every later one equals the last, allowing 2,500 px (0.24 % of the
  # screen): a blinking caret, and WebKit's overlay scrollbar (3 × 450 px on the first-use
  # form) that fades out seconds after the page is shown.
  local last=$((n - 1)) first=$((n - 1))
  for ((i = n - 2; i >= 0; i--)); do
    local diff; diff=$(compare -metric AE -fuzz 2% "$dir/$i.xwd" "$dir/$last.xwd" null: 2>&1 || true)
    diff=${diff%% *}
    if [ "${diff%.*}" -le 2500 ] 2>/dev/null; then first=$i; else break; fi
  done
  convert "$dir/$last.xwd" "$OUT/$name-last.png"
  local ms; ms=$(awk -v i="$first" '$1 == i {print int($2 / 1000000)}' "$dir/times")
  [ -n "${KEEP_SHOTS:-}" ] || rm -f "$dir"/*.xwd
  echo "$ms $pss"
}

median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

mkdir -p "$OUT"
: >"$OUT/runs"
for r in $(seq 1 "$RUNS"); do
  for name in app bare; do
    program=counter-app
    [ $name = bare ] && program=bare-tauri
    read -r ms pss < <(run_once "$name" "$program" "$r")
    echo "$name $r $ms $pss" | tee -a "$OUT/runs"
  done
done
for name in app bare; do
  ms=$(awk -v n=$name '$1 == n {print $3}' "$OUT/runs" | median)
  pss=$(awk -v n=$name '$1 == n {print $4}' "$OUT/runs" | median)
  echo "$name: first screen ${ms} ms, PSS ${pss} kB (median of $RUNS)" | tee "$OUT/$name.median"
done
a_ms=$(awk '{print $4}' "$OUT/app.median"); b_ms=$(awk '{print $4}' "$OUT/bare.median")
a_kb=$(awk '{print $7}' "$OUT/app.median"); b_kb=$(awk '{print $7}' "$OUT/bare.median")
awk -v am="$a_ms" -v bm="$b_ms" -v ak="$a_kb" -v bk="$b_kb" -v r="$RUNS" -v o="$OUT" 'BEGIN {
  printf "startup: app/bare time %.2f×, PSS %.2f× (%d runs each, interleaved; last screens in %s)\n", am / bm, ak / bk, r, o }'
