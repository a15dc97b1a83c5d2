#!/usr/bin/env bash
# NAME
#   dnssec-peer.sh - run BIND's named on loopback as the authoritative server of DNSSEC-signed test zones
# SYNOPSIS
#   DNSSEC_PORT=15363 DNSSEC_ZONES=/path/zones dnssec-peer.sh start NAME
#   dnssec-peer.sh stop|status|log-path|trust-anchors NAME
# DESCRIPTION
#   Serves every zone file of $DNSSEC_ZONES (one file per zone, named <origin>.zone, in master
#   file format with relative or absolute names) from named (Debian package bind9) on
#   127.0.0.1:$DNSSEC_PORT, UDP and TCP, authoritative only (no recursion, no forwarding).
#
#   Signing (dnssec-keygen and dnssec-signzone, package bind9-utils): every zone is signed with
#   a KSK and a ZSK (ECDSA P-256), except the zones named in $DNSSEC_UNSIGNED. A zone served
#   here below another zone served here is a child: the parent's file must hold the NS records
#   of the delegation, and the script adds the child's DS records to the parent before the
#   parent is signed (deepest zones first). A signed child named in $DNSSEC_BAD_DS gets DS
#   records in its parent from a key it does not use: its chain is broken, so a validating
#   resolver judges its answers bogus. An unsigned child has no DS: an insecure delegation. A
#   signed zone named in $DNSSEC_BAD_SIG has every signature over its MX records altered after
#   signing (one base64 character): bogus signatures in a sound chain.
#
#   Keys are made once per instance and kept in its state folder, so the trust anchors stay the
#   same across restarts with other zone data. `trust-anchors NAME` prints the path of a file
#   with the DNSKEY records of the KSKs of the top zones (those without a parent here), in
#   master file format: a validating resolver's trust anchors.
#
#   Environment (read by start):
#     DNSSEC_PORT        port on 127.0.0.1 (default 15363)
#     DNSSEC_ZONES       folder of <origin>.zone files (required for start)
#     DNSSEC_UNSIGNED    zones served without signatures (default none)
#     DNSSEC_BAD_DS      signed zones whose parent gets DS records of another key (default none)
#     DNSSEC_BAD_SIG     signed zones whose MX signatures are altered (default none)
#     WARMWIRE_STATE_DIR state root (default <repo>/.run)
#   start is idempotent: running with the same settings and zone data -> nothing to do;
#   otherwise the zones are signed again and named restarts. State under
#   $WARMWIRE_STATE_DIR/dnssec-peer/NAME. Exit status: 0 ok / running, 1 error, 2 usage,
#   3 stopped (status).
set -euo pipefail

WW_PROG=dnssec-peer.sh
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PROG=$WW_PROG
die() { ww_die "$@"; }
say() { echo "$PROG: $*"; }

ww_instance_args "start|stop|status|log-path|trust-anchors" "$@"
CMD=$WW_CMD
NAME=$WW_NAME
BASE=$WW_STATE/dnssec-peer/$NAME
KEYS=$BASE/keys
WORK=$BASE/zones
PIDFILE=$BASE/named.pid
LOG=$BASE/named.log
STAMP=$BASE/started-with
ANCHORS=$BASE/trust-anchors.txt

PORT=${DNSSEC_PORT:-15363}
read -r -a UNSIGNED <<<"${DNSSEC_UNSIGNED:-}"
read -r -a BAD_DS <<<"${DNSSEC_BAD_DS:-}"
read -r -a BAD_SIG <<<"${DNSSEC_BAD_SIG:-}"

NAMED=/usr/sbin/named

named_pid() { ww_daemon_pid "$PIDFILE" "$NAMED" "$BASE/named.conf"; } # THIS instance's pid when it runs

in_list() {
    # in_list WORD LIST... - true when WORD is one of LIST
    local w=$1 x
    shift
    for x in "$@"; do [[ $x == "$w" ]] && return 0; done
    return 1
}

parent_of() {
    # The nearest zone among ZONES that is a proper parent of $1, else nothing.
    local z=$1 p=$1
    while [[ $p == *.* ]]; do
        p=${p#*.}
        if in_list "$p" "${ZONES[@]}"; then
            echo "$p"
            return 0
        fi
    done
}

key_of() {
    # key_of ZONE ksk|zsk|bad - the key's file base name under $KEYS, made on first use
    local zone=$1 kind=$2 base flags=()
    base=$(cat "$KEYS/$zone.$kind" 2>/dev/null || true)
    if [[ -z $base || ! -s $KEYS/$base.key ]]; then
        [[ $kind == zsk ]] || flags=(-f KSK)
        base=$(dnssec-keygen -q -K "$KEYS" -a ECDSAP256SHA256 "${flags[@]}" -n ZONE "$zone") \
            || die "dnssec-keygen failed for $zone ($kind)"
        echo "$base" >"$KEYS/$zone.$kind"
    fi
    echo "$base"
}

sign_all() {
    # Copies the zones to $WORK, adds the DS records of children, signs, writes named.conf.
    local z p depth sorted=() ksk zsk
    rm -rf "$WORK"
    mkdir -p "$WORK" "$KEYS"
    for z in "${ZONES[@]}"; do
        cp "$DNSSEC_ZONES/$z.zone" "$WORK/$z.zone"
    done
    # deepest first, so every child is signed before its parent takes its DS
    while read -r depth z; do sorted+=("$z"); done < <(for z in "${ZONES[@]}"; do
        echo "$(tr -cd . <<<"$z" | wc -c) $z"
    done | sort -rn)
    for z in "${sorted[@]}"; do
        p=$(parent_of "$z")
        if in_list "$z" "${UNSIGNED[@]}"; then
            cp "$WORK/$z.zone" "$WORK/$z.zone.served"
        else
            ksk=$(key_of "$z" ksk)
            zsk=$(key_of "$z" zsk)
            {
                echo
                echo "; keys added by dnssec-peer.sh"
                cat "$KEYS/$ksk.key" "$KEYS/$zsk.key"
            } >>"$WORK/$z.zone"
            dnssec-signzone -q -O full -K "$KEYS" -d "$WORK" -o "$z" -k "$KEYS/$ksk.key" -f "$WORK/$z.zone.served" \
                -e now+2592000 -s now-3600 "$WORK/$z.zone" "$KEYS/$zsk.key" >/dev/null \
                || die "dnssec-signzone failed for $z"
            if in_list "$z" "${BAD_SIG[@]}"; then
                # one character of every signature over MX records changed: still base64, no longer valid
                awk '$4 == "RRSIG" && $5 == "MX" { $NF = (substr($NF, 1, 1) == "A" ? "B" : "A") substr($NF, 2) } { print }' \
                    "$WORK/$z.zone.served" >"$WORK/$z.zone.tmp" && mv "$WORK/$z.zone.tmp" "$WORK/$z.zone.served"
            fi
            if [[ -n $p ]]; then
                {
                    echo
                    echo "; DS of the child zone $z, added by dnssec-peer.sh"
                    if in_list "$z" "${BAD_DS[@]}"; then
                        dnssec-dsfromkey -a SHA-256 "$KEYS/$(key_of "$z" bad).key"
                    else
                        dnssec-dsfromkey -a SHA-256 "$KEYS/$ksk.key"
                    fi
                } >>"$WORK/$p.zone"
            else
                cat "$KEYS/$ksk.key" >>"$ANCHORS.tmp"
            fi
        fi
    done
    {
        echo "// generated by dnssec-peer.sh for instance $NAME; do not edit"
        echo "options {"
        echo "    directory \"$BASE\";"
        echo "    pid-file \"$PIDFILE\";"
        echo "    listen-on port $PORT { 127.0.0.1; };"
        echo "    listen-on-v6 { none; };"
        echo "    recursion no;"
        echo "    allow-query { any; };"
        echo "    dnssec-validation no;"
        echo "    notify no;"
        echo "    session-keyfile \"$BASE/session.key\";"
        echo "};"
        echo "controls { };"
        echo "logging {"
        echo "    channel to_file { file \"$LOG\" versions 2 size 20m; print-time yes; severity info; };"
        echo "    category default { to_file; };"
        echo "    category queries { to_file; };"
        echo "};"
        for z in "${ZONES[@]}"; do
            echo "zone \"$z\" { type primary; file \"$WORK/$z.zone.served\"; };"
        done
    } >"$BASE/named.conf"
}

cmd_status() { ww_daemon_status "$NAME" named_pid "$STAMP"; }

cmd_stop() { ww_daemon_stop "$NAME" named_pid "$PIDFILE"; }

answers() {
    dig +time=1 +tries=1 +norecurse -p "$PORT" @127.0.0.1 "$1" SOA >/dev/null 2>&1 \
        && [[ $(dig +short +time=1 +tries=1 +norecurse -p "$PORT" @127.0.0.1 "$1" SOA) != "" ]]
}

cmd_start() {
    [[ -x $NAMED ]] || die "named is not installed: run deploy/local/install-deps.sh as root"
    command -v dnssec-signzone >/dev/null || die "dnssec-signzone is missing: run deploy/local/install-deps.sh as root"
    command -v dig >/dev/null || die "dig is missing: run deploy/local/install-deps.sh as root"
    [[ -n ${DNSSEC_ZONES:-} && -d $DNSSEC_ZONES ]] || die "DNSSEC_ZONES must name a folder of <origin>.zone files"
    [[ $PORT =~ ^[0-9]+$ && $PORT -gt 0 && $PORT -lt 65536 ]] || die "bad DNSSEC_PORT '$PORT'"
    local f z want t0=$EPOCHREALTIME
    ZONES=()
    for f in "$DNSSEC_ZONES"/*.zone; do
        [[ -e $f ]] || continue
        z=$(basename "$f" .zone)
        [[ $z =~ ^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$ ]] || die "bad zone file name '$f'"
        ZONES+=("$z")
    done
    ((${#ZONES[@]} > 0)) || die "no <origin>.zone file in $DNSSEC_ZONES"
    for z in "${UNSIGNED[@]}" "${BAD_DS[@]}" "${BAD_SIG[@]}"; do
        in_list "$z" "${ZONES[@]}" || die "$z is not a zone of $DNSSEC_ZONES"
    done
    mkdir -p "$BASE"
    want="port=$PORT unsigned=${UNSIGNED[*]} bad-ds=${BAD_DS[*]} bad-sig=${BAD_SIG[*]} zones=$(cat "$DNSSEC_ZONES"/*.zone | sha256sum | cut -c1-64)"
    if named_pid >/dev/null; then
        if [[ $(cat "$STAMP" 2>/dev/null) == "$want" ]]; then
            say "$NAME already running on 127.0.0.1:$PORT"
            return 0
        fi
        say "$NAME running with other zones or settings: restarting"
        cmd_stop >/dev/null
    fi
    ww_require_port_free "$PORT" "DNSSEC_PORT"
    rm -f "$ANCHORS.tmp"
    : >"$ANCHORS.tmp"
    sign_all
    mv "$ANCHORS.tmp" "$ANCHORS"
    : >>"$LOG"
    named-checkconf "$BASE/named.conf" || die "named.conf does not check: $BASE/named.conf"
    if ! "$NAMED" -c "$BASE/named.conf" -u root 2>"$BASE/start.err"; then
        cat "$BASE/start.err" >&2
        die "named did not start (log $LOG)"
    fi
    for _ in $(seq 100); do
        answers "${ZONES[0]}" && break
        sleep 0.1
    done
    answers "${ZONES[0]}" || { cmd_stop >/dev/null; die "named does not answer on 127.0.0.1:$PORT (log $LOG)"; }
    echo "$want" >"$STAMP"
    local t1=${EPOCHREALTIME/[.,]/} t=${t0/[.,]/}
    say "$NAME ready in $(((t1 - t) / 1000)) ms on 127.0.0.1:$PORT (udp+tcp): ${ZONES[*]}; trust anchors $ANCHORS"
}

case $CMD in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
log-path) echo "$LOG" ;;
trust-anchors) echo "$ANCHORS" ;;
*) echo "usage: $PROG start|stop|status|log-path|trust-anchors NAME" >&2; exit 2 ;;
esac
