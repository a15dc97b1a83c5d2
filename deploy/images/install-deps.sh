#!/usr/bin/env bash
# NAME
#   install-deps.sh - install the Debian packages that image builds and manifest checks need
# DESCRIPTION
#   Idempotent, non-interactive, run as root on a Debian machine, like
#   deploy/local/install-deps.sh. Installs podman, buildah and runc (crun fails
#   here: cgroups in hybrid mode), iptables (netavark needs it), debootstrap
#   (the base image is made from Debian packages: no registry can be reached),
#   uidmap, slirp4netns, fuse-overlayfs, netavark, aardvark-dns and catatonit (the
#   pause process `podman kube play` builds its infra image from). Runs
#   `apt-get update` only when a package is missing. Starts no service.
#   kubectl (for `kubectl kustomize` in ManifestsIT) is NOT installed here: the
#   project's machines carry kubectl 1.32 with kustomize v5.5, and Debian's own
#   kubernetes-client (1.20.2, kustomize v2) cannot render the overlays (tried:
#   "cannot unmarshal object into ... patchesStrategicMerge"); a missing or too
#   old kubectl is reported here and fails ManifestsIT with that message.
set -euo pipefail

PACKAGES=(podman buildah runc iptables debootstrap uidmap slirp4netns fuse-overlayfs netavark aardvark-dns catatonit)

WW_PROG=images/install-deps.sh
# shellcheck source=../local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../local/lib.sh"

if ! kubectl version --client 2>/dev/null | grep -q '^Kustomize Version: v5'; then
    ww_log "warning: no kubectl with kustomize v5 on the PATH (ManifestsIT will fail)"
fi
ww_apt_install "${PACKAGES[@]}"
