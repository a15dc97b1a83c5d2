#!/usr/bin/env bash
# NAME
#   run.sh - README's run command: install what the mesh needs, then start it
# SYNOPSIS
#   bash deploy/run.sh [start|stop|status|env]        (default start)
#   WARMWIRE_RUN=containers bash deploy/run.sh [start|stop|status]
# DESCRIPTION
#   On a fresh Debian machine with Java 17 (as root, like the test command): installs the Debian
#   packages (deploy/local/install-deps.sh: postfix, dnsmasq, openssl...) and then runs
#   deploy/local/mesh.sh, the embedded default - Kafka, Infinispan, the Postfix demo peer and
#   the three services on loopback; the Maven Wrapper fetches Maven, the server jars and builds
#   the services when needed. With WARMWIRE_RUN=containers it also installs podman & co.
#   (deploy/images/install-deps.sh) and runs the services as the container images instead
#   (deploy/images/podman-mesh.sh: images built here on first use). Every WARMWIRE_* variable
#   of those scripts applies. stop/status/env are passed through without installing anything.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cmd=${1:-start}
mode=${WARMWIRE_RUN:-local}
case $mode in
    local) script=$HERE/local/mesh.sh ;;
    containers) script=$HERE/images/podman-mesh.sh ;;
    *) echo "run.sh: WARMWIRE_RUN must be local or containers, not '$mode'" >&2; exit 2 ;;
esac
if [[ $cmd == start ]]; then
    bash "$HERE/local/install-deps.sh"
    [[ $mode == containers ]] && bash "$HERE/images/install-deps.sh"
fi
exec bash "$script" "$cmd"
