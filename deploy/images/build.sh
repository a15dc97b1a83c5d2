#!/usr/bin/env bash
# NAME
#   build.sh - build the container images of Warmwire here, without a registry
# SYNOPSIS
#   deploy/images/build.sh [SERVICE...]
# DESCRIPTION
#   Run as root. Installs what it needs (deploy/images/install-deps.sh: podman, buildah, runc,
#   debootstrap...), makes the base image from Debian packages when its inputs changed
#   (base.sh), packages the services with the Maven Wrapper when their target/quarkus-app is
#   missing, then builds one image per service (all three when none is named) from
#   Containerfile.jvm FROM that base:
#     localhost/warmwire/queue-service:<version>        port 8081
#     localhost/warmwire/delivery-service:<version>     port 8082
#     localhost/warmwire/tls-session-service:<version>  port 8083
#   Layers are cached by podman: a service whose quarkus-app did not change is rebuilt in
#   about a second. Docker image format (--format docker), so that the HEALTHCHECK is kept
#   (the OCI format has none). Prints each image's name and size. Nothing is pushed (no registry can be
#   reached); `podman save` makes an archive to load elsewhere.
# ENVIRONMENT
#   WARMWIRE_IMAGES_DIR   work folder (default <repo>/.run/images)
#   WARMWIRE_SKIP_INSTALL=1  do not run install-deps.sh
set -euo pipefail
WW_PROG=build.sh
HERE=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
# shellcheck source=podman-env.sh
source "$HERE/podman-env.sh"

[[ $(id -u) -eq 0 ]] || ww_die "must run as root (apt-get, debootstrap, rootful podman)"
[[ ${WARMWIRE_SKIP_INSTALL:-0} == 1 ]] || bash "$HERE/install-deps.sh" >&2
wwi_setup

services=("$@")
((${#services[@]})) || services=("${WWI_SERVICES[@]}")
for s in "${services[@]}"; do
    case $s in
        queue-service | delivery-service | tls-session-service) ;;
        *) ww_die "unknown service '$s' (queue-service, delivery-service, tls-session-service)" ;;
    esac
done

port_of() {
    case $1 in
        queue-service) echo 8081 ;;
        delivery-service) echo 8082 ;;
        tls-session-service) echo 8083 ;;
    esac
}

base=$(bash "$HERE/base.sh" | tail -1)

missing=()
for s in "${services[@]}"; do
    [[ -f $WW_ROOT/$s/target/quarkus-app/quarkus-run.jar ]] || missing+=("$s")
done
if ((${#missing[@]})); then
    ww_log "packaging ${missing[*]} (Maven Wrapper, tests skipped)"
    (cd "$WW_ROOT" && ./mvnw -q -B -ntp -DskipTests install -pl "$(IFS=,; echo "${missing[*]}")" -am) >&2 ||
        ww_die "build failed"
fi

for s in "${services[@]}"; do
    t0=$(ww_now_ms)
    image=$(wwi_image "$s")
    podman build --quiet --format docker --pull=never --network host --layers -f "$HERE/Containerfile.jvm" \
        --build-arg "BASE=$base" --build-arg "SERVICE=$s" --build-arg "PORT=$(port_of "$s")" \
        -t "$image" "$WW_ROOT/$s/target/quarkus-app" >/dev/null ||
        ww_die "podman build of $s failed"
    size=$(podman image inspect --format '{{.Size}}' "$image")
    echo "$image: $((size / 1048576)) MB, built in $(ww_elapsed "$t0")s"
done
