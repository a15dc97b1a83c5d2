#!/usr/bin/env bash
# NAME
#   install-deps.sh - install the Debian packages the local test peers need
# DESCRIPTION
#   Idempotent, non-interactive, run as root on a Debian machine. Installs
#   postfix (preseeded "No configuration": no /etc/postfix/main.cf is written,
#   so the system's default instance is not configured and not started),
#   openssl, dnsmasq-base (no service, binary only), bind9-dnsutils (dig),
#   iproute2 (ss) and python3 (SMTP probes in postfix-peer.sh), bind9 and
#   bind9-utils (named, dnssec-keygen, dnssec-signzone: dnssec-peer.sh's signed
#   test zones; the system's named service is not started by the install),
#   python3-dkim and python3-nacl (dkim-verify.py: an independent verifier of
#   Warmwire's DKIM signatures, RSA and Ed25519), and the libraries of the Exim
#   and OpenSMTPD peers (mta-peer.sh).
#   Runs `apt-get update` only when a package is missing. Never starts,
#   stops or reconfigures the system postfix; an already installed and
#   configured postfix is left exactly as it is.
set -euo pipefail

PACKAGES=(postfix openssl dnsmasq-base bind9-dnsutils iproute2 python3 bind9 bind9-utils python3-dkim python3-nacl)
# the shared libraries of Exim 4.96 (exim4-daemon-light) and OpenSMTPD 7.4, which mta-peer.sh
# unpacks without installing (each is a mail-transport-agent, as Postfix is)
PACKAGES+=(libaudit1 libcap-ng0 libcrypt1 libdb5.3 libevent-2.1-7 libpam0g libssl3 zlib1g libcom-err2 libffi8
    libgmp10 libgnutls-dane0 libgnutls30 libgssapi-krb5-2 libhogweed6 libidn12 libidn2-0 libk5crypto3
    libkeyutils1 libkrb5-3 libkrb5support0 libnettle8 libnsl2 libp11-kit0 libpcre2-8-0 libtasn1-6 libtirpc3
    libunbound8 libunistring2)

WW_PROG=install-deps.sh
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ " $(ww_apt_missing "${PACKAGES[@]}") " == *" postfix "* ]]; then
    # "No configuration": the package installs binaries only; the default
    # instance stays unconfigured (postfix-peer.sh runs its own instances).
    [[ $(id -u) -eq 0 ]] || ww_die "must run as root (apt-get install)"
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
fi
if [[ " $(ww_apt_missing "${PACKAGES[@]}") " == *" bind9 "* && ! -e /usr/sbin/policy-rc.d ]]; then
    # bind9's maintainer scripts would start the system named (port 53): a policy-rc.d that
    # refuses every service start (exit 101, Debian's interface) for the time of the install
    [[ $(id -u) -eq 0 ]] || ww_die "must run as root (apt-get install)"
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
ww_apt_install "${PACKAGES[@]}"
