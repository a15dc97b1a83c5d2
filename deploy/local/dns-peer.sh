#!/usr/bin/env bash
# NAME
#   dns-peer.sh - run a private dnsmasq as a loopback DNS server for routing tests
# SYNOPSIS
#   DNS_PORT=15353 DNS_CONFIG=/path/records.conf dns-peer.sh start NAME
#   dns-peer.sh stop|status|log-path NAME
# DESCRIPTION
#   Runs dnsmasq (Debian package dnsmasq-base) on 127.0.0.1:$DNS_PORT (UDP and
#   TCP), serving only the records of $DNS_CONFIG (dnsmasq syntax: mx-host=,
#   host-record=, address=, txt-record=, srv-host=, dns-rr=, cname=, local=).
#   It forwards nothing (--no-resolv, no server=), reads no /etc/hosts and no
#   /etc/dnsmasq.conf, serves no DHCP. State under
#   $WARMWIRE_STATE_DIR/dns-peer/NAME (default <repo>/.run/dns-peer/NAME).
#
#   Unknown names: dnsmasq answers REFUSED for a name outside every local=
#   domain (it has no upstream server). DNS_LOCAL_DOMAINS (default "test")
#   adds local=/test/, so unknown names under .test get NXDOMAIN and names
#   that exist with other types get NOERROR with no answer (NODATA).
#
#   Environment (read by start):
#     DNS_PORT           port on 127.0.0.1 (default 15353)
#     DNS_CONFIG         dnsmasq records file (required for start)
#     DNS_LOCAL_DOMAINS  domains answered authoritatively (default "test"; "" for none)
#     DNS_LOG_QUERIES    "yes" logs every query and reply to the log (default yes)
#     WARMWIRE_STATE_DIR state root (default <repo>/.run)
#   start is idempotent: running with the same port and the same config file
#   content -> nothing to do; otherwise it restarts. Exit status: 0 ok /
#   running, 1 error, 2 usage, 3 stopped (status).
set -euo pipefail

WW_PROG=dns-peer.sh
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PROG=$WW_PROG
die() { ww_die "$@"; }
say() { echo "$PROG: $*"; }

ww_instance_args "start|stop|status|log-path" "$@"
CMD=$WW_CMD
NAME=$WW_NAME
STATE_DIR=$WW_STATE
BASE=$STATE_DIR/dns-peer/$NAME
PIDFILE=$BASE/dnsmasq.pid
LOG=$BASE/dnsmasq.log
CONF=$BASE/records.conf
STAMP=$BASE/started-with

PORT=${DNS_PORT:-15353}
read -r -a LOCAL_DOMAINS <<<"${DNS_LOCAL_DOMAINS-test}"
LOG_QUERIES=${DNS_LOG_QUERIES:-yes}

DNSMASQ=/usr/sbin/dnsmasq

dns_pid() { ww_daemon_pid "$PIDFILE" "$DNSMASQ" "--pid-file=$PIDFILE"; } # THIS instance's pid when it runs

answers() {
    # True when 127.0.0.1:$PORT answers a DNS query over UDP (any rcode).
    python3 - "$PORT" <<'EOF'
import socket, sys
q = bytes.fromhex("abcd01000001000000000000") + b"\x05probe\x04test\x00" + b"\x00\x01\x00\x01"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.5)
try:
    s.sendto(q, ("127.0.0.1", int(sys.argv[1])))
    r = s.recv(512)
    sys.exit(0 if r[:2] == b"\xab\xcd" else 1)
except OSError:
    sys.exit(1)
EOF
}

cmd_status() { ww_daemon_status "$NAME" dns_pid "$STAMP"; }

cmd_stop() { ww_daemon_stop "$NAME" dns_pid "$PIDFILE"; }

cmd_start() {
    [[ -x $DNSMASQ ]] || die "dnsmasq is not installed: run deploy/local/install-deps.sh as root"
    command -v python3 >/dev/null || die "python3 is missing: run deploy/local/install-deps.sh as root"
    [[ -n ${DNS_CONFIG:-} ]] || die "DNS_CONFIG must name a dnsmasq records file"
    [[ -r $DNS_CONFIG ]] || die "DNS_CONFIG $DNS_CONFIG is not readable"
    [[ $PORT =~ ^[0-9]+$ && $PORT -gt 0 && $PORT -lt 65536 ]] || die "bad DNS_PORT '$PORT'"
    [[ $LOG_QUERIES == yes || $LOG_QUERIES == no ]] || die "DNS_LOG_QUERIES must be yes or no"
    local t0=$EPOCHREALTIME want d args
    mkdir -p "$BASE"
    want="port=$PORT local=${LOCAL_DOMAINS[*]} queries=$LOG_QUERIES config=$(realpath "$DNS_CONFIG") sha256=$(sha256sum <"$DNS_CONFIG" | cut -c1-64)"
    if dns_pid >/dev/null; then
        if [[ $(cat "$STAMP" 2>/dev/null) == "$want" ]]; then
            say "$NAME already running on 127.0.0.1:$PORT"
            return 0
        fi
        say "$NAME running with other settings: restarting"
        cmd_stop >/dev/null
    fi
    if ss -Hlun "sport = :$PORT" | grep -q . || ss -Hltn "sport = :$PORT" | grep -q .; then
        die "port $PORT is already in use: $(ss -Hlunpt "sport = :$PORT" | head -n 1)"
    fi
    # A private copy: the records stay as they were at start.
    cp "$DNS_CONFIG" "$CONF"
    chmod 644 "$CONF"
    : >>"$LOG"
    chown dnsmasq "$LOG" 2>/dev/null || true
    chmod 644 "$LOG"
    args=(
        --conf-file="$CONF"
        --pid-file="$PIDFILE"
        --port="$PORT"
        --listen-address=127.0.0.1
        --bind-interfaces
        --no-resolv
        --no-hosts
        --no-poll
        --no-negcache
        --log-facility="$LOG"
    )
    for d in "${LOCAL_DOMAINS[@]}"; do args+=(--local="/$d/"); done
    [[ $LOG_QUERIES == no ]] || args+=(--log-queries=extra)
    if ! "$DNSMASQ" "${args[@]}" 2>"$BASE/start.err"; then
        cat "$BASE/start.err" >&2
        die "dnsmasq did not start"
    fi
    for _ in $(seq 100); do
        answers && break
        sleep 0.05
    done
    answers || { cmd_stop >/dev/null; die "dnsmasq does not answer on 127.0.0.1:$PORT (log $LOG)"; }
    echo "$want" >"$STAMP"
    chmod 644 "$LOG" 2>/dev/null || true
    local t1=${EPOCHREALTIME/[.,]/} t=${t0/[.,]/}
    say "$NAME ready in $(((t1 - t) / 1000)) ms on 127.0.0.1:$PORT (udp+tcp), log $LOG"
}

case $CMD in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
log-path) echo "$LOG" ;;
*) echo "usage: $PROG start|stop|status|log-path NAME" >&2; exit 2 ;;
esac
