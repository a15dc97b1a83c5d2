#!/usr/bin/env bash
# README's test command: installs what the tests need on a fresh Debian machine (Postfix,
# dnsmasq, openssl; podman, buildah, runc, debootstrap, kubectl for the image and manifest tests; Maven and the Kafka/Infinispan jars come through the Maven Wrapper), then
# runs the whole build with unit and integration tests. The integration tests start a real
# Kafka broker, Infinispan Server and Postfix peer through deploy/local/mesh.sh and stop them
# afterwards.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
bash deploy/local/install-deps.sh
# podman, buildah, runc, debootstrap (ImagesIT) and kubectl when missing (ManifestsIT)
bash deploy/images/install-deps.sh
exec ./mvnw -B -ntp verify "$@"
