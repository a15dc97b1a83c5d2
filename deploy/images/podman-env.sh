# shellcheck shell=bash
# NAME
#   podman-env.sh - podman and buildah settings that work on the project's machines
# DESCRIPTION
#   Sourced by build.sh and podman-mesh.sh, never run; sources deploy/local/lib.sh. Writes
#   a containers.conf of the project's own into $WARMWIRE_IMAGES_DIR (default
#   <repo>/.run/images) and points CONTAINERS_CONF at it, leaving the system's container
#   configuration alone:
#     - runtime runc: crun fails here ("cgroups in hybrid mode not supported");
#     - default_ulimits within the machine's hard limits (nofile = `ulimit -Hn`, nproc 32768):
#       rootful podman asks for nofile 1048576 by default and the start fails with
#       "setrlimit RLIMIT_NOFILE: Operation not permitted";
#     - network backend netavark (Debian's podman also ships a CNI config whose plugins are not
#       installed); the project's containers use host networking anyway.
#   Image names: localhost/warmwire/<service>:<version> and localhost/warmwire/base:<inputs hash>.
#   Every function is prefixed wwi_.

# shellcheck source=../local/lib.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../local/lib.sh"

WWI_DIR=$(realpath -m -- "${WARMWIRE_IMAGES_DIR:-$WW_ROOT/.run/images}")
WWI_SERVICES=(queue-service delivery-service tls-session-service)
WWI_REPO=localhost/warmwire

# wwi_setup - write containers.conf and export CONTAINERS_CONF; die when podman is missing
wwi_setup() {
    command -v podman >/dev/null 2>&1 ||
        ww_die "podman not installed: run deploy/images/install-deps.sh (as root)"
    mkdir -p "$WWI_DIR"
    local nofile conf=$WWI_DIR/containers.conf
    nofile=$(ulimit -Hn)
    [[ $nofile == unlimited ]] && nofile=1048576
    cat >"$conf.tmp" <<CONF
# Written by deploy/images/podman-env.sh at every use; edits are overwritten.
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=32768:32768"]
[engine]
runtime = "runc"
[network]
network_backend = "netavark"
CONF
    mv "$conf.tmp" "$conf"
    export CONTAINERS_CONF=$conf
}

# wwi_version - the project's version (the Maven reactor's), read from the root pom
wwi_version() {
    sed -n '0,/<version>/s:.*<version>\(.*\)</version>.*:\1:p' "$WW_ROOT/pom.xml"
}

# wwi_image SERVICE - the image name of a service
wwi_image() {
    echo "$WWI_REPO/$1:$(wwi_version)"
}
