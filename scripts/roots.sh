# Sourced by scripts/package.sh, package-check.sh and bench-startup.sh: the workspace's version,
# and the clean Debian roots the packages are installed into (mounting what a program inside
# needs, and leaving nothing of the host behind).

# The version every package carries (Cargo.toml's [workspace.package]).
workspace_version() {
  sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml
}

# Mounts /proc, /sys, /dev and the X socket inside the root DIR (what is not mounted yet).
mount_root() {
  local dir=$1
  mountpoint -q "$dir/proc" || mount -t proc proc "$dir/proc"
  mountpoint -q "$dir/sys" || mount --rbind /sys "$dir/sys"
  mountpoint -q "$dir/dev" || mount --rbind /dev "$dir/dev"
  mkdir -p "$dir/tmp/.X11-unix"
  mountpoint -q "$dir/tmp/.X11-unix" || mount --bind /tmp/.X11-unix "$dir/tmp/.X11-unix"
}

# Stops every process running inside the root DIR (what a check started there, and whatever
# those started: the server under runuser, WebKit's processes).
stop_inside() {
  local dir=$1 pids=() p
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$dir" ] && pids+=("${p#/proc/}")
  done
  [ ${#pids[@]} -eq 0 ] && return 0
  kill "${pids[@]}" 2>/dev/null || true
  sleep 1
  kill -9 "${pids[@]}" 2>/dev/null || true
}

# Stops what runs inside DIR and unmounts everything below it (deepest first); fails if anything
# stays: a root is deleted only with nothing of the host (/dev, /sys) mounted inside it.
release_root() {
  local dir=$1
  stop_inside "$dir"
  awk -v d="$dir/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null || true; done
  if awk -v d="$dir/" 'index($2, d) == 1 {found = 1} END {exit !found}' /proc/mounts; then
    echo "something is still mounted below $dir: not deleting it" >&2
    return 1
  fi
}
