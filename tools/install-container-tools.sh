#!/usr/bin/env bash
# Install and configure the container toolchain Solum's builder and local
# deployer use on a single Debian 12 (bookworm) machine, as root:
#
#   podman + runc      run application containers (no daemon)
#   buildah            build application images (chroot isolation)
#   skopeo             copy/inspect images between stores (oci-archive, ...)
#   slirp4netns        user-mode networking for `-p 127.0.0.1:PORT:PORT`
#                      and for each build's own network namespace
#   nftables           refuses the host's addresses inside a build's
#                      namespace ([builder] build_network_deny)
#   mmdebstrap         bootstrap Solum's base images from Debian packages
#   haproxy            the local deployer's router
#   git                source fetch
#
# Idempotent: a second run installs nothing, rewrites nothing that is already
# right and takes about a second.  See
# doc/source/contributor/containers-on-this-machine.rst for why each setting
# is what it is.
#
# Environment:
#   SOLUM_RESET_STORAGE=1  wipe /var/lib/containers/storage when it was
#                          initialised with another storage driver (destroys
#                          every local image and container).
set -euo pipefail

PACKAGES=(podman buildah skopeo runc slirp4netns nftables mmdebstrap
          haproxy git uidmap catatonit netavark curl python3-venv)
# Not installed on purpose:
#  - crun: fails on this host's hybrid cgroup v1 layout; runc is used.
#  - fuse-overlayfs: root on ext4 uses the kernel's native overlay driver.
#  - recommends (dbus-user-session pulls systemd bits, which are absent here).

CONF_DIR=/etc/containers
DROPIN_DIR=$CONF_DIR/containers.conf.d
DROPIN=$DROPIN_DIR/solum.conf
STORAGE_CONF=$CONF_DIR/storage.conf
MARK="# Managed by Solum tools/install-container-tools.sh"

say() { printf '[install-container-tools] %s\n' "$*"; }
die() { say "ERROR: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root"
command -v apt-get >/dev/null || die "needs a Debian/Ubuntu system (apt-get)"

start=$(date +%s.%N)

# --- 1. packages -----------------------------------------------------------
missing=()
for p in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$status" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
    say "packages: all present (${PACKAGES[*]})"
else
    say "packages missing: ${missing[*]}"
    # apt-get update only when some missing package has no install candidate
    # (empty or stale lists); otherwise the existing lists are good enough.
    need_update=0
    for p in "${missing[@]}"; do
        cand=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ {print $2}')
        if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then
            need_update=1
            break
        fi
    done
    if [ $need_update -eq 1 ]; then
        say "apt-get update"
        apt-get update -q
    fi
    say "apt-get install ${missing[*]}"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            --no-install-recommends "${missing[@]}"; then
        # The lists may be stale (a package version gone from the mirror):
        # refresh once and retry.
        say "install failed; apt-get update and retry"
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            --no-install-recommends "${missing[@]}"
    fi
fi

# --- 2. containers.conf ----------------------------------------------------
# A drop-in under containers.conf.d is read after /usr/share and /etc
# containers.conf, so it overrides only the keys below and leaves any
# operator settings alone.
mkdir -p "$DROPIN_DIR"
want_dropin="$MARK
# Facts measured on these machines (see doc/source/contributor/
# containers-on-this-machine.rst):
#  - crun fails with the hybrid cgroup v1 layout: use runc.
#  - no systemd: cgroupfs cgroup manager, events to a file (not journald).
#  - bridge networking rewrites host sysctls/firewall chains: slirp4netns.
#  - the inherited nofile/nproc limits are huge; give containers sane ones.
#  - the podman package ships a CNI bridge config (87-podman-bridge.conflist)
#    but no CNI plugins: pin netavark so podman stops looking at CNI.
[containers]
default_ulimits = [
  \"nofile=4096:4096\",
  \"nproc=4096:4096\",
]
netns = \"slirp4netns\"

[engine]
runtime = \"runc\"
cgroup_manager = \"cgroupfs\"
events_logger = \"file\"

[network]
network_backend = \"netavark\"
"
if [ -f "$DROPIN" ] && [ "$(cat "$DROPIN")" = "$(printf '%s' "$want_dropin")" ]; then
    say "containers.conf drop-in: up to date ($DROPIN)"
else
    printf '%s' "$want_dropin" > "$DROPIN"
    say "containers.conf drop-in: written ($DROPIN)"
fi

# --- 3. storage.conf -------------------------------------------------------
# storage.conf has no drop-in directory.  Overlay, never vfs: vfs copies the
# whole rootfs on every container start (seconds per start).
want_storage="$MARK
[storage]
driver = \"overlay\"
runroot = \"/run/containers/storage\"
graphroot = \"/var/lib/containers/storage\"

[storage.options.overlay]
# Native kernel overlay (root on ext4): no mount_program / fuse-overlayfs.
mountopt = \"nodev\"
"
current_driver=""
if [ -f "$STORAGE_CONF" ]; then
    current_driver=$(sed -n 's/^[[:space:]]*driver[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' \
        "$STORAGE_CONF" | head -n1)
fi
if [ -f "$STORAGE_CONF" ] && [ "$current_driver" = overlay ]; then
    say "storage.conf: driver already overlay ($STORAGE_CONF)"
else
    if [ -f "$STORAGE_CONF" ]; then
        backup="$STORAGE_CONF.before-solum.$(date +%Y%m%d%H%M%S)"
        cp -p "$STORAGE_CONF" "$backup"
        say "storage.conf: driver was '${current_driver:-unset}', saved as $backup"
    fi
    printf '%s' "$want_storage" > "$STORAGE_CONF"
    say "storage.conf: written with driver overlay ($STORAGE_CONF)"
fi

# --- 4. verify ---------------------------------------------------------------
info_err=$(mktemp)
trap 'rm -f "$info_err"' EXIT
info() {
    # stdout carries the answer; warnings go to stderr and are shown apart.
    if podman info --format \
        '{{.Host.OCIRuntime.Name}} {{.Host.CgroupManager}} {{.Store.GraphDriverName}} {{.Host.EventLogger}} {{.Host.NetworkBackend}}' \
        2>"$info_err"; then
        if [ -s "$info_err" ]; then
            say "podman info warnings:" >&2; sed 's/^/    /' "$info_err" >&2
        fi
    else
        cat "$info_err"
        return 1
    fi
}
reset_storage() {
    say "resetting container storage (SOLUM_RESET_STORAGE=1): all local images and containers go"
    podman system reset --force >/dev/null 2>&1 || true
    rm -rf /var/lib/containers/storage
}
wrong_driver_hint="/var/lib/containers/storage was initialised with another storage driver.
Re-run with SOLUM_RESET_STORAGE=1 to wipe it (destroys every local image and container)."
if ! got=$(info); then
    if grep -q -i 'driver' <<<"$got" && [ "${SOLUM_RESET_STORAGE:-0}" = 1 ]; then
        reset_storage
        got=$(info) || die "podman info failed: $got"
    else
        die "podman info failed: $got"
    fi
fi
# An answer without its five fields is podman failing for another reason
# (say, a container's network namespace gone), not a storage driver.
[ "$(wc -w <<<"$got")" -eq 5 ] || die "podman info gave no answer ('$got'): $(cat "$info_err")"
# podman 4.3 keeps the driver recorded in its database (with only a warning,
# "overwritten by graph driver ... from database") when storage.conf changes.
if [ "$(awk '{print $3}' <<<"$got")" != overlay ]; then
    [ "${SOLUM_RESET_STORAGE:-0}" = 1 ] || die "$wrong_driver_hint"
    reset_storage
    got=$(info) || die "podman info failed: $got"
fi
read -r runtime cgroup_manager driver events netbackend <<<"$got"
say "podman info: runtime=$runtime cgroup_manager=$cgroup_manager storage=$driver events=$events network_backend=$netbackend"
[ "$runtime" = runc ] || die "OCI runtime is '$runtime', expected runc"
[ "$cgroup_manager" = cgroupfs ] || die "cgroup manager is '$cgroup_manager', expected cgroupfs"
[ "$driver" = overlay ] || die "storage driver is '$driver', expected overlay"
[ "$events" = file ] || die "events logger is '$events', expected file"

for tool in buildah skopeo mmdebstrap haproxy slirp4netns nft runc git; do
    command -v "$tool" >/dev/null || die "$tool not on PATH after install"
done
say "versions: $(podman --version | awk '{print $3}') podman," \
    "$(buildah --version | awk '{print $3}') buildah," \
    "$(mmdebstrap --version | awk '{print $2}') mmdebstrap," \
    "$(runc --version | awk 'NR==1 {print $3}') runc"

end=$(date +%s.%N)
say "done in $(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.1f", b - a}') s"
