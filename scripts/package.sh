#!/usr/bin/env bash
# Builds Counter's release packages into target/packages/ (docs/install.md says which is for
# which system):
#   counter_<v>_<arch>.deb          the desktop window (Tauri 2; WebKitGTK 4.1, glibc ≥ 2.36)
#   cn.counter.desk_<v>_<arch>.deb  the same in the UOS app-store layout (/opt/apps/cn.counter.desk)
#   counter-web_<v>_<arch>.deb      the browser mode and the `counter` command (glibc ≥ 2.28, no WebKitGTK)
#   cn.counter.web_<v>_<arch>.deb   the browser mode in the UOS app-store layout
#   counter-server_<v>_<arch>.deb   the central server as a systemd service (glibc ≥ 2.28)
# for amd64 and arm64 (COUNTER_PACKAGE_ARCHES="amd64" for one). Offline except for the package
# registries; idempotent (what is installed or built already is reused).
#
#   bash scripts/package.sh            build every package
#   bash scripts/package.sh --check    build, then prove them (scripts/package-check.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
ROOT=$PWD
OUT=$ROOT/target/packages
ARCHES=${COUNTER_PACKAGE_ARCHES:-amd64 arm64}
. scripts/roots.sh
VERSION=$(workspace_version)
TAURI_CLI_VERSION=2.12.6
ZIGBUILD_VERSION=0.24.1
CARGO_DEB_VERSION=3.8.0
# The oldest glibc the browser mode, the CLI and the server may need: UOS 1060/1070 (V20) and
# Kylin V10 arm64 have 2.28.
GLIBC=2.28
log() { printf '\n[package] %s\n' "$*"; }
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

tools() {
  bash scripts/setup.sh
  local want=(debootstrap qemu-user-static dpkg-dev fakeroot binutils-aarch64-linux-gnu
    gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
  # arm64: rustup cannot fetch other targets here; Debian's rustc-web has an arm64 standard
  # library that installs beside the amd64 one (used for the arm64 builds only).
  [[ " $ARCHES " == *" arm64 "* ]] && want+=(rustc-web cargo-web libstd-rust-web-dev:arm64)
  local missing=()
  for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    dpkg --print-foreign-architectures | grep -qx arm64 || $SUDO dpkg --add-architecture arm64
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
  # zig links against an old glibc's symbols without an old system (cargo-zigbuild).
  python3 -c 'import ziglang' 2>/dev/null || python3 -m pip install -q ziglang
  command -v cargo-zigbuild >/dev/null || cargo install --locked cargo-zigbuild --version "$ZIGBUILD_VERSION"
  command -v cargo-deb >/dev/null || cargo install --locked cargo-deb --version "$CARGO_DEB_VERSION"
  # Tauri's deb bundler (pure Rust, downloads nothing); the npm package ships its binary.
  if [ "$(target/tools/node_modules/.bin/tauri --version 2>/dev/null)" != "tauri-cli $TAURI_CLI_VERSION" ]; then
    mkdir -p target/tools
    (cd target/tools && [ -f package.json ] || echo '{"private":true}' > package.json
     npm install --no-audit --no-fund --no-save "@tauri-apps/cli@$TAURI_CLI_VERSION")
  fi
}

# The newest glibc symbol version a binary needs.
glibc_needed() {
  objdump -T "$1" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1
}

# Fails unless every binary named runs on glibc $GLIBC.
check_glibc() {
  for bin in "$@"; do
    local need; need=$(glibc_needed "$bin")
    if [ "$(printf '%s\n%s\n' "$need" "$GLIBC" | sort -V | tail -1)" != "$GLIBC" ]; then
      echo "[package] $bin needs glibc $need, more than $GLIBC" >&2; exit 1
    fi
    echo "[package] $(basename "$bin"): glibc $need at most"
  done
}

# The browser mode, the CLI and the server, linked against glibc $GLIBC.
build_portable() {
  local arch=$1 triple=$2
  log "$arch: counter-web, counter, counter-server (glibc $GLIBC)"
  if [ "$arch" = arm64 ]; then
    # Debian's compiler and its arm64 standard library, in a target folder of their own.
    CARGO=/usr/bin/cargo RUSTC=/usr/bin/rustc CARGO_TARGET_DIR=$ROOT/target/debian-rustc \
      cargo-zigbuild zigbuild --release --target "$triple.$GLIBC" \
      -p counter-web -p counter-cli -p counter-server
  else
    cargo zigbuild --release --target "$triple.$GLIBC" -p counter-web -p counter-cli -p counter-server
  fi
  local dir; dir=$(target_dir "$arch")/$triple/release
  check_glibc "$dir/counter-web" "$dir/counter" "$dir/counter-server"
  for p in counter-web counter-server; do
    CARGO_TARGET_DIR=$(target_dir "$arch") cargo deb -p "$p" --no-build --no-strip \
      --target "$triple" --deb-version "$VERSION" -o "$OUT/${p}_${VERSION}_${arch}.deb"
  done
  uos_package cn.counter.web "医保经办窗口（浏览器模式）" "$arch" "$dir/counter-web" counter-web \
    "$(deb_depends "$OUT/counter-web_${VERSION}_${arch}.deb")"
}

target_dir() { if [ "$1" = arm64 ]; then echo "$ROOT/target/debian-rustc"; else echo "$ROOT/target"; fi; }

deb_depends() { dpkg-deb -f "$1" Depends; }

# The desktop window through Tauri's deb bundler (amd64, the build machine's own target).
build_window() {
  log "amd64: the desktop window (tauri build --bundles deb)"
  (cd src-tauri && "$ROOT/target/tools/node_modules/.bin/tauri" build --bundles deb --ci)
  local deb; deb=$(ls -t target/release/bundle/deb/*_"${VERSION}"_amd64.deb | head -1)
  cp "$deb" "$OUT/counter_${VERSION}_amd64.deb"
  uos_package cn.counter.desk "医保经办窗口" amd64 target/release/counter-app counter-app \
    "$(deb_depends "$OUT/counter_${VERSION}_amd64.deb")"
}

# An arm64 sysroot with WebKitGTK 4.1 and GTK for the window's cross build: Debian 12's arm64
# packages, fetched by debootstrap's first stage and unpacked (nothing runs; arm64 -dev packages
# cannot be installed beside the amd64 ones). Absolute library links are made relative to it.
arm64_sysroot() {
  local stage=target/roots/arm64-stage1 root=$ROOT/target/roots/arm64-sysroot
  [ -f "$root/usr/lib/aarch64-linux-gnu/pkgconfig/webkit2gtk-4.1.pc" ] && return
  log "arm64 sysroot (Debian 12's WebKitGTK 4.1 and GTK 3 for arm64)"
  rm -rf "$stage" "$root"
  debootstrap --foreign --arch=arm64 --variant=minbase \
    --include=libwebkit2gtk-4.1-dev,libgtk-3-dev,libsoup-3.0-dev,libjavascriptcoregtk-4.1-dev,librsvg2-dev,libsysprof-4-dev \
    bookworm "$stage" http://deb.debian.org/debian >/dev/null
  mkdir -p "$root.tmp"
  for deb in "$stage"/var/cache/apt/archives/*.deb; do dpkg-deb -x "$deb" "$root.tmp"; done
  find "$root.tmp" -type l -lname '/*' | while read -r link; do
    ln -sfn "$root$(readlink "$link")" "$link"
  done
  mv "$root.tmp" "$root"
  rm -rf "$stage"
}

# The window for arm64: Debian's compiler and arm64 standard library, the cross gcc as the
# linker against the sysroot, Tauri's bundler for the package.
build_window_arm64() {
  arm64_sysroot
  log "arm64: the desktop window (tauri build --target aarch64-unknown-linux-gnu --bundles deb)"
  local sysroot=$ROOT/target/roots/arm64-sysroot lib=$ROOT/target/roots/arm64-sysroot/usr/lib/aarch64-linux-gnu
  local cli=../target/debian-rustc/aarch64-unknown-linux-gnu/release/counter
  # Without rustup on the PATH: the Tauri CLI would ask it for an arm64 target it cannot fetch.
  (cd src-tauri && env PATH=/usr/local/bin:/usr/bin:/bin CARGO=/usr/bin/cargo RUSTC=/usr/bin/rustc \
    CARGO_TARGET_DIR="$ROOT/target/arm64-window" \
    CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
    CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS="-C link-arg=--sysroot=$sysroot -C link-arg=-Wl,-rpath-link,$lib -C link-arg=-Wl,-rpath-link,$sysroot/lib/aarch64-linux-gnu" \
    CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc \
    PKG_CONFIG_ALLOW_CROSS=1 PKG_CONFIG_SYSROOT_DIR="$sysroot" \
    PKG_CONFIG_LIBDIR="$lib/pkgconfig:$sysroot/usr/share/pkgconfig" \
    "$ROOT/target/tools/node_modules/.bin/tauri" build --target aarch64-unknown-linux-gnu \
      --bundles deb --ci --config "{\"bundle\":{\"linux\":{\"deb\":{\"files\":{\"/usr/bin/counter\":\"$cli\"}}}}}")
  local deb; deb=$(ls -t target/arm64-window/aarch64-unknown-linux-gnu/release/bundle/deb/*_"${VERSION}"_arm64.deb | head -1)
  cp "$deb" "$OUT/counter_${VERSION}_arm64.deb"
  uos_package cn.counter.desk "医保经办窗口" arm64 \
    target/arm64-window/aarch64-unknown-linux-gnu/release/counter-app counter-app \
    "$(deb_depends "$OUT/counter_${VERSION}_arm64.deb")"
}

# The UOS app-store layout: everything under /opt/apps/<appid>/ (info, entries/, files/),
# package name = appid = desktop file name, no maintainer scripts.
uos_package() {
  local appid=$1 name=$2 arch=$3 bin=$4 exe=$5 depends=$6
  local stage=target/uos/$appid-$arch
  rm -rf "$stage"
  local app=$stage/opt/apps/$appid
  install -D -m 0755 "$bin" "$app/files/bin/$exe"
  install -D -m 0644 src-tauri/icons/icon.png "$app/entries/icons/hicolor/128x128/apps/$appid.png"
  install -d "$app/entries/applications" "$stage/DEBIAN"
  cat > "$app/entries/applications/$appid.desktop" <<EOF
[Desktop Entry]
Type=Application
Name=Counter $name
Name[zh_CN]=$name
Comment=医保服务事项受理、一次性告知与台账
Exec=/opt/apps/$appid/files/bin/$exe
Icon=$appid
Terminal=false
Categories=Office;
EOF
  cat > "$app/info" <<EOF
{
  "appid": "$appid",
  "name": "$name",
  "version": "$VERSION",
  "arch": ["$arch"],
  "permissions": {"autostart": false, "notification": false, "trayicon": false,
                  "clipboard": false, "account": false, "bluetooth": false, "camera": false,
                  "audio_record": false, "installed_apps": false}
}
EOF
  cat > "$stage/DEBIAN/control" <<EOF
Package: $appid
Version: $VERSION
Architecture: $arch
Maintainer: Counter <counter@example.cn>
Depends: $depends
Section: misc
Priority: optional
Description: Counter $name (UOS app-store layout)
 The same program as the counter packages, laid out under /opt/apps/$appid for the UOS app store.
EOF
  fakeroot dpkg-deb --build -Zxz "$stage" "$OUT/${appid}_${VERSION}_${arch}.deb" >/dev/null
  echo "[package] $OUT/${appid}_${VERSION}_${arch}.deb"
}

main() {
  local check=0
  for a in "$@"; do
    case $a in
      --check) check=1 ;;
      *) echo "usage: bash scripts/package.sh [--check]" >&2; exit 2 ;;
    esac
  done
  tools
  mkdir -p "$OUT"
  log "the UI (embedded in every package)"
  (cd ui && npm run build)
  for arch in $ARCHES; do
    case $arch in
      amd64) build_portable amd64 x86_64-unknown-linux-gnu; build_window ;;
      arm64) build_portable arm64 aarch64-unknown-linux-gnu; build_window_arm64 ;;
      *) echo "unknown architecture $arch" >&2; exit 2 ;;
    esac
  done
  log "packages"
  ls -l "$OUT"
  if [ $check = 1 ]; then bash scripts/package-check.sh; fi
}

main "$@"
