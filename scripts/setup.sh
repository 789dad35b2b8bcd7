#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build, run and test Counter.
# Idempotent: every step checks first and does nothing when the thing is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*"; }

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# Debian packages: WebKitGTK for Tauri, the WebDriver for e2e tests, Xvfb, a CJK font, the
# tools tests use to look at screenshots and PDFs (poppler, zbar), and CUPS with a PDF printer
# for the print test, PostgreSQL for the central server's conformance tests, and Chromium with
# its WebDriver for the browser mode's end-to-end test.
APT_PACKAGES=(
  build-essential pkg-config curl file
  libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev
  webkit2gtk-driver xvfb xauth imagemagick fonts-noto-cjk poppler-utils
  cups printer-driver-cups-pdf zbar-tools postgresql
  chromium chromium-driver
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  log "Debian packages present"
fi

# Rust components used by the test command.
if command -v rustup >/dev/null 2>&1; then
  rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
  rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
fi

# tauri-driver: the WebDriver front for the real app (it starts WebKitWebDriver).
if ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
  log "installing tauri-driver"
  cargo install tauri-driver --version '^2' --locked
else
  log "tauri-driver present"
fi

# The UI's npm packages at the locked versions. `npm install`, not `npm ci`: npm 11 here writes
# a lock without other platforms' optional packages (rollup, esbuild) and `npm ci` then refuses it.
if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  log "installing npm packages"
  (cd ui && npm install --no-audit --no-fund)
else
  log "npm packages present"
fi
log "done"
