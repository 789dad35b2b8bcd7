#!/usr/bin/env bash
# Proves the packages of scripts/package.sh where they will run (issue 26):
#   1. Debian 12 (a clean debootstrap root): the window's .deb installs with apt and the
#      installed app starts under Xvfb (screenshot kept);
#   2. Debian 11 (the stand-in for Kylin V10: glibc 2.31, WebKitGTK 4.0 only): the window's
#      .deb is refused naming WebKitGTK 4.1; counter-web installs and serves the UI; the
#      server's .deb installs as a service user, makes its keys and serves HTTPS;
#   3. arm64: the binaries run under qemu-user (--version, a catalog search, an intake).
# Roots are made once (target/roots/*.tar.gz) and unpacked afresh for each run.
# Artifacts (screenshots, logs): target/packages/check/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PKG=$ROOT/target/packages
ART=$PKG/check
ROOTS=$ROOT/target/roots
. scripts/roots.sh
VERSION=$(workspace_version)
ARCHES=${COUNTER_PACKAGE_ARCHES:-amd64 arm64}
mkdir -p "$ART" "$ROOTS"
say() { printf '\n[check] %s\n' "$*"; }
fail() { printf '[check] FAILED: %s\n' "$*" >&2; exit 1; }

for p in debootstrap qemu-user-static x11-utils imagemagick xvfb curl poppler-utils; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$p"
done

cleanup() {
  for suite in bookworm bullseye; do [ -d "$ROOTS/$suite-check" ] && release_root "$ROOTS/$suite-check"; done
  [ -n "${XVFB_PID:-}" ] && kill "$XVFB_PID" 2>/dev/null || true
}
trap cleanup EXIT

# A fresh root of Debian $1 (bookworm, bullseye) in target/roots/$1-check, with /proc, /sys,
# /dev and the X socket mounted, ready for apt.
fresh_root() {
  local suite=$1 dir=$ROOTS/$1-check tarball=$ROOTS/$1.tar.gz
  if [ ! -f "$tarball" ]; then
    say "debootstrap $suite (once)"
    rm -rf "$ROOTS/$suite-base"
    debootstrap --variant=minbase "$suite" "$ROOTS/$suite-base" http://deb.debian.org/debian >"$ART/debootstrap-$suite.log"
    tar -C "$ROOTS/$suite-base" -czf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$ROOTS/$suite-base"
  fi
  release_root "$dir" || fail "$dir is still in use"
  rm -rf "$dir" && mkdir -p "$dir" && tar -C "$dir" -xzf "$tarball"
  cp /etc/resolv.conf "$dir/etc/resolv.conf"
  mount_root "$dir"
  chroot "$dir" apt-get update -q >"$ART/apt-update-$suite.log"
}

in_root() { local dir=$ROOTS/$1-check; shift; chroot "$dir" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }

# apt_install SUITE DEB [APT OPTIONS] → apt's output in $ART; apt's exit status. As a person
# installs it (`apt install ./FILE.deb`), recommended packages included unless told otherwise.
apt_install() {
  local suite=$1 deb=$2
  shift 2
  cp "$deb" "$ROOTS/$suite-check/tmp/"
  in_root "$suite" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" \
    "/tmp/$(basename "$deb")" >"$ART/install-$suite-$(basename "$deb").log" 2>&1
}

check_bookworm() {
  say "Debian 12: the window's package installs with apt and starts"
  fresh_root bookworm
  apt_install bookworm "$PKG/counter_${VERSION}_amd64.deb" || fail "counter_${VERSION}_amd64.deb did not install on Debian 12 (see $ART)"
  in_root bookworm test -x /usr/bin/counter-app || fail "no /usr/bin/counter-app"
  grep -q '^Name\[zh_CN\]=医保经办窗口$' "$ROOTS/bookworm-check/usr/share/applications/"*.desktop ||
    fail "no desktop entry named 医保经办窗口"
  in_root bookworm counter --version
  # A clerk reads Chinese: without a CJK font every label is a row of boxes.
  [ "$(in_root bookworm fc-list :lang=zh | wc -l)" -gt 0 ] || fail "no Chinese font came with the package"
  Xvfb :77 -screen 0 1366x768x24 -nolisten tcp >/dev/null 2>&1 &
  XVFB_PID=$!
  sleep 1
  # The installed app, as a clerk starts it on a new PC: its first screen asks for the office.
  in_root bookworm env DISPLAY=:77 XDG_RUNTIME_DIR=/tmp counter-app >"$ART/bookworm-app.log" 2>&1 &
  local shown=0
  for _ in $(seq 1 60); do
    if xwininfo -display :77 -root -tree 2>/dev/null | grep 'Counter 医保经办窗口' >/dev/null; then shown=1; break; fi
    sleep 1
  done
  [ $shown = 1 ] || { cat "$ART/bookworm-app.log"; fail "the installed app showed no window"; }
  sleep 8 # the first screen's page loads and paints
  import -display :77 -window root "$ART/bookworm-first-screen.png"
  stop_inside "$ROOTS/bookworm-check"
  kill "$XVFB_PID"; XVFB_PID=
  # A painted page, not an empty window: many distinct colours (text, fields, buttons).
  local colours; colours=$(convert "$ART/bookworm-first-screen.png" -format '%k' info:)
  [ "$colours" -gt 50 ] || fail "the first screen is blank ($colours colours)"
  echo "[check] Debian 12: installed, window shown, first screen kept ($colours colours): $ART/bookworm-first-screen.png"
}

check_bullseye() {
  say "Debian 11 (Kylin V10's glibc and WebKitGTK): the window refused, the browser mode and the server run"
  fresh_root bullseye
  if apt_install bullseye "$PKG/counter_${VERSION}_amd64.deb"; then
    fail "the window's package installed on Debian 11, which has no WebKitGTK 4.1"
  fi
  grep -q 'libwebkit2gtk-4.1' "$ART/install-bullseye-counter_${VERSION}_amd64.deb.log" ||
    fail "apt's refusal does not name WebKitGTK 4.1"
  echo "[check] the window's package refused: $(grep -m1 'libwebkit2gtk-4.1' "$ART/install-bullseye-counter_${VERSION}_amd64.deb.log" | sed 's/^ *//')"
  apt_install bullseye "$PKG/counter-web_${VERSION}_amd64.deb" --no-install-recommends || fail "counter-web did not install on Debian 11"
  in_root bullseye counter --version
  in_root bullseye counter catalog search zyfy >"$ART/bullseye-search.txt"
  grep -q 住院费用报销 "$ART/bullseye-search.txt" || fail "counter catalog search on Debian 11"
  in_root bullseye counter-web --no-browser --listen 127.0.0.1:18761 >"$ART/bullseye-web.out" 2>"$ART/bullseye-web.err" &
  local url=""
  for _ in $(seq 1 30); do url=$(head -1 "$ART/bullseye-web.out" 2>/dev/null); [ -n "$url" ] && break; sleep 0.5; done
  [[ $url == http://127.0.0.1:18761/?token=* ]] || { cat "$ART/bullseye-web.err"; fail "counter-web printed no address"; }
  local jar; jar=$(mktemp)
  curl -sf -c "$jar" -b "$jar" -L "$url" -o "$ART/bullseye-web.html" || fail "counter-web did not serve its page"
  grep -q '<div id="app">' "$ART/bullseye-web.html" || fail "the page is not the UI"
  [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST http://127.0.0.1:18761/api/status)" = 401 ] ||
    fail "a request without the session was not refused"
  stop_inside "$ROOTS/bullseye-check"
  echo "[check] Debian 11: counter-web installed and served the UI; a request without the session answered 401"

  apt_install bullseye "$PKG/counter-server_${VERSION}_amd64.deb" --no-install-recommends || fail "counter-server did not install on Debian 11"
  in_root bullseye getent passwd counter-server >/dev/null || fail "no counter-server user"
  [ "$(stat -c %a "$ROOTS/bullseye-check/etc/counter-server/keys")" = 700 ] || fail "the key directory is not 0700"
  in_root bullseye runuser -u counter-server -- counter-server keys-init --host 127.0.0.1 >"$ART/bullseye-keys.log"
  in_root bullseye runuser -u counter-server -- env COUNTER_SERVER_LISTEN=x \
    /usr/lib/counter-server/counter-server --db sqlite:/var/lib/counter-server/counter-server.db \
    --keys /etc/counter-server/keys serve --listen 127.0.0.1:18750 >"$ART/bullseye-server.log" 2>&1 &
  local up=0
  for _ in $(seq 1 30); do
    curl -sk https://127.0.0.1:18750/openapi.yaml -o /dev/null && { up=1; break; }
    sleep 0.5
  done
  [ $up = 1 ] || { cat "$ART/bullseye-server.log"; fail "the installed server did not answer over HTTPS"; }
  in_root bullseye runuser -u counter-server -- counter-server enroll-code --point 3211 >"$ART/bullseye-code.txt"
  stop_inside "$ROOTS/bullseye-check"
  echo "[check] Debian 11: counter-server installed as its own user, keys made (0700), HTTPS served, a pass made"
}

check_arm64() {
  say "arm64: the binaries under qemu-user"
  local dir=$ROOT/target/debian-rustc/aarch64-unknown-linux-gnu/release work
  for p in counter-web counter-server; do
    [ "$(dpkg-deb -f "$PKG/${p}_${VERSION}_arm64.deb" Architecture)" = arm64 ] || fail "$p arm64 package"
  done
  local q=(qemu-aarch64-static -L /usr/aarch64-linux-gnu)
  for b in counter counter-web counter-server; do
    file "$dir/$b" | grep 'ARM aarch64' >/dev/null || fail "$b is not an arm64 binary"
    "${q[@]}" "$dir/$b" --version || fail "$b --version under qemu"
  done
  "${q[@]}" "$dir/counter" catalog search zyfy >"$ART/arm64-search.txt"
  grep -q 住院费用报销 "$ART/arm64-search.txt" || fail "catalog search under qemu"
  work=$(mktemp -d)
  local run=(env COUNTER_KEY_FILE="$work/store.key" COUNTER_POINT=3211 COUNTER_CLERK=王芳
    "${q[@]}" "$dir/counter")
  local no
  no=$("${run[@]}" case open --catalog national --item 002036006002 --name 张三丰 \
    --id-number 11010519491231002X --db "$work/counter.db" --json |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["case_no"])')
  for m in m1 m2 m3 m4; do "${run[@]}" case tick "$no" "$m" --db "$work/counter.db" >/dev/null; done
  "${run[@]}" case accept "$no" --db "$work/counter.db" --json >"$ART/arm64-accept.json"
  grep -q '"state": *"accepted"' "$ART/arm64-accept.json" || fail "the intake under qemu was not accepted"
  "${run[@]}" doc receipt "$no" --db "$work/counter.db" --out "$ART/arm64-receipt.pdf"
  pdftotext "$ART/arm64-receipt.pdf" "$ART/arm64-receipt.txt"
  grep -q "$no" "$ART/arm64-receipt.txt" || fail "the arm64 receipt does not carry the case number"
  pdftoppm -png -r 60 -f 1 -l 1 "$ART/arm64-receipt.pdf" "$ART/arm64-receipt"
  rm -rf "$work"
  echo "[check] arm64: --version, search, an intake to the printed receipt ($no) under qemu-user"
  # The window: WebKit starts its own arm64 processes, which qemu-user cannot follow without
  # binfmt_misc, so the check stops at the loader: every library it needs is found in
  # Debian 12's arm64 packages.
  local deb=$PKG/counter_${VERSION}_arm64.deb sysroot=$ROOT/target/roots/arm64-sysroot
  [ "$(dpkg-deb -f "$deb" Architecture)" = arm64 ] || fail "the window's arm64 package"
  dpkg-deb -f "$deb" Depends | grep libwebkit2gtk-4.1-0 >/dev/null || fail "the arm64 window does not depend on WebKitGTK 4.1"
  work=$(mktemp -d)
  dpkg-deb -x "$deb" "$work"
  file "$work/usr/bin/counter-app" | grep 'ARM aarch64' >/dev/null || fail "counter-app is not an arm64 binary"
  qemu-aarch64-static -L "$sysroot" "$sysroot/lib/ld-linux-aarch64.so.1" --list "$work/usr/bin/counter-app" \
    >"$ART/arm64-window-libraries.txt" 2>&1 || fail "the arm64 window does not load (see $ART/arm64-window-libraries.txt)"
  ! grep 'not found' "$ART/arm64-window-libraries.txt" || fail "the arm64 window misses libraries"
  grep libwebkit2gtk-4.1 "$ART/arm64-window-libraries.txt" >/dev/null || fail "the arm64 window does not load WebKitGTK 4.1"
  rm -rf "$work"
  echo "[check] arm64 window: its $(wc -l <"$ART/arm64-window-libraries.txt") libraries all found in Debian 12's arm64 packages"
}

# Each check alone: bash scripts/package-check.sh bullseye (bookworm, bullseye, arm64).
CHECKS=${*:-bookworm bullseye arm64}
for c in $CHECKS; do
  case $c in
    bookworm | bullseye) "check_$c" ;;
    arm64) [[ " $ARCHES " == *" arm64 "* ]] && check_arm64 ;;
    *) fail "no check $c (bookworm, bullseye, arm64)" ;;
  esac
done
say "passed: $CHECKS"
