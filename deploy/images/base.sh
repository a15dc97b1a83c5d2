#!/usr/bin/env bash
# NAME
#   base.sh - the base image of every Warmwire service, made from Debian packages
# SYNOPSIS
#   deploy/images/base.sh [--force]
# DESCRIPTION
#   No container registry can be reached from the project's machines, so the base image is not
#   pulled: it is made here. debootstrap --variant=minbase installs Debian bookworm with
#   openjdk-17-jre-headless (and curl, for a container HEALTHCHECK) from the machine's own
#   Debian mirror (the first URIs: line of /etc/apt/sources.list.d/*.sources, else
#   deb.debian.org) into a folder; apt caches and lists, documentation, man pages, locales
#   other than C and the JDK's unused parts are removed; a system user warmwire (uid and gid
#   10001, home /home/warmwire) is added; the folder is imported with `podman import` as
#   localhost/warmwire/base:<hash>, where <hash> is the first 12 hex digits of this file's
#   sha256: the base is rebuilt only when this file changes (or with --force; to take Debian's
#   newest packages, for example). The size of the folder before and after trimming and of
#   the image are printed. Prints the image name on stdout as its last line.
#   Needs root (debootstrap, chroot). About 40 s and 300 MB.
# ENVIRONMENT
#   WARMWIRE_IMAGES_DIR   work folder (default <repo>/.run/images)
#   WARMWIRE_DEBIAN_MIRROR  Debian mirror for debootstrap (default: the machine's own)
set -euo pipefail
WW_PROG=base.sh
# shellcheck source=podman-env.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/podman-env.sh"

SUITE=bookworm
PACKAGES=openjdk-17-jre-headless,curl,ca-certificates

[[ $(id -u) -eq 0 ]] || ww_die "must run as root (debootstrap)"
command -v debootstrap >/dev/null 2>&1 || ww_die "debootstrap not installed: run deploy/images/install-deps.sh"
wwi_setup

HASH=$(sha256sum "$(readlink -f "${BASH_SOURCE[0]}")" | cut -c1-12)
IMAGE=$WWI_REPO/base:$HASH
if [[ ${1:-} != --force ]] && podman image exists "$IMAGE"; then
    ww_log "$IMAGE exists (inputs unchanged)"
    echo "$IMAGE"
    exit 0
fi

mirror() {
    if [[ -n ${WARMWIRE_DEBIAN_MIRROR:-} ]]; then
        echo "$WARMWIRE_DEBIAN_MIRROR"
        return
    fi
    local m
    m=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1 || true)
    [[ -n $m ]] || m=$(awk '$1 == "deb" && $0 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
    echo "${m:-http://deb.debian.org/debian}"
}

ROOTFS=$WWI_DIR/rootfs
rm -rf "$ROOTFS"
mkdir -p "$ROOTFS"
t0=$(ww_now_ms)
MIRROR=$(mirror)
ww_log "debootstrap $SUITE minbase + $PACKAGES from $MIRROR"
debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$ROOTFS" "$MIRROR" >"$WWI_DIR/debootstrap.log" 2>&1 ||
    { tail -20 "$WWI_DIR/debootstrap.log" >&2; ww_die "debootstrap failed (log $WWI_DIR/debootstrap.log)"; }
before=$(du -sm "$ROOTFS" | cut -f1)

# trim: nothing here is needed at run time
chroot "$ROOTFS" apt-get clean
rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/* "$ROOTFS"/var/cache/debconf/*-old \
    "$ROOTFS"/var/log/* "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/info/* \
    "$ROOTFS"/usr/share/lintian "$ROOTFS"/usr/share/common-licenses "$ROOTFS"/tmp/* "$ROOTFS"/debootstrap
find "$ROOTFS"/usr/share/locale -mindepth 1 -maxdepth 1 ! -name 'locale.alias' -exec rm -rf {} +
# the JDK's parts a headless server never loads (the JRE's man pages and legal texts are docs)
rm -rf "$ROOTFS"/usr/lib/jvm/java-17-openjdk-amd64/man "$ROOTFS"/usr/lib/jvm/java-17-openjdk-amd64/legal
# machine identity is the runtime's business
: >"$ROOTFS"/etc/machine-id
rm -f "$ROOTFS"/etc/hostname "$ROOTFS"/etc/resolv.conf

# the user the services run as (Kubernetes' runAsUser/fsGroup: 10001)
chroot "$ROOTFS" groupadd --system --gid 10001 warmwire
chroot "$ROOTFS" useradd --system --uid 10001 --gid 10001 --home-dir /home/warmwire --create-home \
    --shell /usr/sbin/nologin warmwire
after=$(du -sm "$ROOTFS" | cut -f1)

tar -C "$ROOTFS" -c . | podman import \
    --change 'ENV LANG=C.UTF-8 JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64' \
    --change 'USER 10001' --change 'WORKDIR /home/warmwire' \
    --message "warmwire base: debian $SUITE minbase + $PACKAGES" - "$IMAGE" >/dev/null
rm -rf "$ROOTFS"
size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
ww_log "built $IMAGE in $(ww_elapsed "$t0")s: rootfs ${before} MB, trimmed ${after} MB, image $((size / 1048576)) MB"
echo "$IMAGE"
