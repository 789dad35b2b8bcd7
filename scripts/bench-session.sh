#!/usr/bin/env bash
# The session bench (src-tauri/benches/session.rs; docs/benchmarks.md): the window's start as
# its page sees it, and the memory at the first screen, after one intake and after ten (each
# receipt previewed and printed on the CUPS queue), beside the bare Tauri 2 window and the
# browser mode (counter-web with Chromium in a window).
#
#   bash scripts/bench-session.sh [RUNS]      (default 3, in turns)
#
# The app and counter-web are the packaged binaries when target/packages has the amd64
# packages (scripts/package.sh), else release builds of this tree.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PATH="$HOME/.cargo/bin:$PATH"
export COUNTER_BENCH_RUNS=${1:-3}

bash scripts/setup.sh >/dev/null
bash scripts/cups.sh
(cd ui && npm run build >/dev/null)
cargo build -q --release -p counter-web
cargo build -q --release -p counter-app --example bare --features custom-protocol
export COUNTER_BENCH_BARE=$ROOT/target/release/examples/bare

unpacked=$(mktemp -d)
trap 'rm -rf "$unpacked"' EXIT
. scripts/roots.sh
version=$(workspace_version)
for pkg in counter counter-web; do
  deb=$ROOT/target/packages/${pkg}_${version}_amd64.deb
  [ -f "$deb" ] && dpkg-deb -x "$deb" "$unpacked"
done
[ -x "$unpacked/usr/bin/counter-app" ] && export COUNTER_BENCH_APP=$unpacked/usr/bin/counter-app
[ -x "$unpacked/usr/bin/counter-web" ] && export COUNTER_BENCH_WEB=$unpacked/usr/bin/counter-web

xvfb-run -a -s '-screen 0 1366x768x24' \
  cargo bench -p counter-app --bench session --features custom-protocol 2>&1 |
  grep -v '^waiting for'
