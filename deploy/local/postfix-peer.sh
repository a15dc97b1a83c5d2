#!/usr/bin/env bash
# NAME
#   postfix-peer.sh - run a private Postfix instance as a receiving SMTP peer
# SYNOPSIS
#   postfix-peer.sh start|stop|status|log-path|cert-path|conf-dir|clean NAME
# DESCRIPTION
#   Runs Debian's Postfix as an EXTRA instance from its own configuration
#   directory under $WARMWIRE_STATE_DIR/postfix-peer/NAME (default
#   <repo>/.run/postfix-peer/NAME), with its own queue, data directory and
#   log file. The system's default instance is never reconfigured, started
#   or stopped: nothing under /etc/postfix or /var/spool/postfix is written
#   (the postfix command only reads /etc/postfix/main.cf and postfix-files).
#
#   Accepted mail goes to the discard: transport (nothing is stored). The
#   recipient access map makes bounce@<domain> fail with 550 and
#   defer@<domain> with 450; other domains get 554 Relay access denied.
#
#   Environment (read by start; see POSTFIX_PEER.md):
#     PEER_TLS_PORT      listener that offers STARTTLS (default 12525)
#     PEER_PLAIN_PORT    listener without STARTTLS (default: none)
#     PEER_NOPIPE_PORT   listener with STARTTLS but without PIPELINING (default: none)
#     PEER_ADDRESSES     loopback addresses of the TLS listener (default 127.0.0.1)
#     PEER_DOMAINS       accepted domains (default "tls.test plain.test")
#     PEER_PIPELINING    "no" removes PIPELINING from every listener (default yes)
#     PEER_CERT_NAMES    extra DNS names for the certificate (default none)
#     PEER_TLS_RESUMPTION "no" turns off session tickets (default yes)
#     PEER_MESSAGE_SIZE_LIMIT  bytes (default 16777216)
#     PEER_MAXPROC       smtpd processes per listener (default 100)
#     PEER_START_TIMEOUT seconds to wait for the 220 greeting (default 30)
#     WARMWIRE_STATE_DIR state root (default <repo>/.run)
#   Exit status: 0 ok / running, 1 error, 2 usage, 3 stopped (status).
set -euo pipefail

WW_PROG=postfix-peer.sh
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PROG=$WW_PROG
die() { ww_die "$@"; }
say() { echo "$PROG: $*"; }

ww_instance_args "start|stop|status|log-path|cert-path|conf-dir|clean" "$@"
CMD=$WW_CMD
NAME=$WW_NAME
STATE_DIR=$WW_STATE
[[ $STATE_DIR =~ ^[A-Za-z0-9/._+-]+$ ]] \
    || die "WARMWIRE_STATE_DIR '$STATE_DIR' must not contain spaces, commas or other special characters (Postfix lists)"
PEERS_DIR=$STATE_DIR/postfix-peer
CA_DIR=$PEERS_DIR/ca
BASE=$PEERS_DIR/$NAME
ETC=$BASE/etc
QUEUE=$BASE/queue
DATA=$BASE/data
LOG_DIR=$BASE/log
MAILLOG=$LOG_DIR/maillog
TLS_DIR=$BASE/tls

PEER_DOMAINS=${PEER_DOMAINS:-tls.test plain.test}
TLS_PORT=${PEER_TLS_PORT:-12525}
PLAIN_PORT=${PEER_PLAIN_PORT:-}
NOPIPE_PORT=${PEER_NOPIPE_PORT:-}
read -r -a ADDRESSES <<<"${PEER_ADDRESSES:-127.0.0.1}"
read -r -a DOMAINS <<<"${PEER_DOMAINS//,/ }"
read -r -a CERT_NAMES <<<"${PEER_CERT_NAMES:-}"
PIPELINING=${PEER_PIPELINING:-yes}
RESUMPTION=${PEER_TLS_RESUMPTION:-yes}
SIZE_LIMIT=${PEER_MESSAGE_SIZE_LIMIT:-16777216}
MAXPROC=${PEER_MAXPROC:-100}
START_TIMEOUT=${PEER_START_TIMEOUT:-30}

# ---------------------------------------------------------------- helpers

need_postfix() {
    command -v postfix >/dev/null 2>&1 || [[ -x /usr/sbin/postfix ]] \
        || die "postfix is not installed: run deploy/local/install-deps.sh as root"
    command -v openssl >/dev/null 2>&1 \
        || die "openssl is not installed: run deploy/local/install-deps.sh as root"
    command -v ss >/dev/null 2>&1 \
        || die "ss (iproute2) is not installed: run deploy/local/install-deps.sh as root"
    [[ $(id -u) -eq 0 ]] || die "Postfix's master must start as root (run as root)"
}

pf() { /usr/sbin/postfix -c "$ETC" "$@"; }

master_pid() { ww_postfix_master "$QUEUE"; }

listen_specs() {
    # One "address:port" per line for every listener of this instance.
    local a
    for a in "${ADDRESSES[@]}"; do echo "$a:$TLS_PORT"; done
    [[ -z $PLAIN_PORT ]] || echo "127.0.0.1:$PLAIN_PORT"
    [[ -z $NOPIPE_PORT ]] || echo "127.0.0.1:$NOPIPE_PORT"
}

check_settings() {
    local p a
    for p in "$TLS_PORT" "$PLAIN_PORT" "$NOPIPE_PORT"; do
        [[ -z $p || $p =~ ^[0-9]+$ && $p -gt 0 && $p -lt 65536 ]] || die "bad port '$p'"
    done
    for a in "${ADDRESSES[@]}"; do
        [[ $a =~ ^127\.[0-9]+\.[0-9]+\.[0-9]+$ ]] \
            || die "PEER_ADDRESSES: '$a' is not an IPv4 loopback address (127.0.0.0/8)"
    done
    [[ ${#DOMAINS[@]} -gt 0 ]] || die "PEER_DOMAINS is empty"
    for a in "${DOMAINS[@]}" "${CERT_NAMES[@]}"; do
        [[ $a =~ ^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$ ]] || die "bad domain name '$a'"
    done
    [[ $PIPELINING == yes || $PIPELINING == no ]] || die "PEER_PIPELINING must be yes or no"
    [[ $RESUMPTION == yes || $RESUMPTION == no ]] || die "PEER_TLS_RESUMPTION must be yes or no"
    [[ $SIZE_LIMIT =~ ^[0-9]+$ ]] || die "bad PEER_MESSAGE_SIZE_LIMIT '$SIZE_LIMIT'"
    [[ $MAXPROC =~ ^[0-9]+$ ]] || die "bad PEER_MAXPROC '$MAXPROC'"
}

port_in_use() {
    # True when a TCP listener holds address $1 port $2 (itself or a wildcard).
    local addr=$1 port=$2
    ss -Hltn "sport = :$port" 2>/dev/null | awk -v a="$addr:$port" -v p=":$port" '
        $4 == a || $4 == "0.0.0.0" p || $4 == "*" p || $4 == "[::]" p { found = 1 }
        END { exit found ? 0 : 1 }'
}

greets_220() {
    # True when host:port accepts a connection and answers "220 ".
    local host=${1%:*} port=${1##*:} line
    { exec 3<>"/dev/tcp/$host/$port"; } 2>/dev/null || return 1
    line=
    IFS= read -r -t 5 line <&3 || true
    printf 'QUIT\r\n' >&3 2>/dev/null || true
    exec 3<&- 3>&-
    [[ $line == 220[\ -]* ]]
}

# ------------------------------------------------------------ certificates

make_ca() {
    # One private CA for all instances, so one trust bundle fits every peer.
    mkdir -p "$CA_DIR"
    (
        flock 9
        if [[ ! -s $CA_DIR/ca.pem || ! -s $CA_DIR/ca.key ]]; then
            openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
                -subj "/O=Warmwire test/CN=Warmwire test peer CA" \
                -addext "basicConstraints=critical,CA:TRUE" \
                -addext "keyUsage=critical,keyCertSign,cRLSign" \
                -keyout "$CA_DIR/ca.key.tmp" -out "$CA_DIR/ca.pem.tmp" 2>/dev/null \
                || die "openssl could not make the test CA"
            chmod 600 "$CA_DIR/ca.key.tmp"
            mv "$CA_DIR/ca.key.tmp" "$CA_DIR/ca.key"
            mv "$CA_DIR/ca.pem.tmp" "$CA_DIR/ca.pem"
            say "made test CA $CA_DIR/ca.pem"
        fi
    ) 9>"$CA_DIR/.lock"
}

make_cert() {
    # Server certificate CN=localhost, SAN localhost + extra names + the
    # listener addresses, signed by the test CA. Made once (first start).
    local san="DNS:localhost,IP:127.0.0.1" n a ext
    for n in "${CERT_NAMES[@]}"; do san+=",DNS:$n"; done
    for a in "${ADDRESSES[@]}"; do [[ $a == 127.0.0.1 ]] || san+=",IP:$a"; done
    if [[ -s $TLS_DIR/cert.pem && -s $TLS_DIR/key.pem && -s $CA_DIR/ca.pem ]] \
        && [[ $(cat "$TLS_DIR/san.txt" 2>/dev/null) == "$san" ]] \
        && openssl verify -CAfile "$CA_DIR/ca.pem" "$TLS_DIR/cert.pem" >/dev/null 2>&1; then
        return 0
    fi
    make_ca
    mkdir -p "$TLS_DIR"
    ext=$TLS_DIR/cert.ext
    cat >"$ext" <<EOF
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = $san
EOF
    openssl req -new -newkey rsa:2048 -nodes -sha256 -subj "/CN=localhost" \
        -keyout "$TLS_DIR/key.pem" -out "$TLS_DIR/cert.csr" 2>/dev/null \
        || die "openssl could not make the server key"
    openssl x509 -req -in "$TLS_DIR/cert.csr" -CA "$CA_DIR/ca.pem" -CAkey "$CA_DIR/ca.key" \
        -set_serial "0x$(openssl rand -hex 16)" -days 3650 -sha256 -extfile "$ext" -out "$TLS_DIR/cert.pem" 2>/dev/null \
        || die "openssl could not sign the server certificate"
    chmod 600 "$TLS_DIR/key.pem"
    rm -f "$TLS_DIR/cert.csr"
    echo "$san" >"$TLS_DIR/san.txt"
    say "made server certificate $TLS_DIR/cert.pem ($san)"
}

# ---------------------------------------------------------- configuration

write_config() {
    # Renders main.cf, master.cf and the access map into directory $1.
    local out=$1 a
    mkdir -p "$out"
    {
        echo "# Generated by deploy/local/postfix-peer.sh for instance $NAME; do not edit."
        cat <<EOF
compatibility_level = 3.6
queue_directory = $QUEUE
data_directory = $DATA
mail_owner = postfix
setgid_group = postdrop

# Logging to a file through the postlog service (see master.cf).
maillog_file = $MAILLOG
maillog_file_prefixes = $PEERS_DIR
# Long queue ids are unique for the life of the instance; short ones (inode +
# microseconds) come back, and a test joining log lines by queue id would then
# take one message's copy for another's.
enable_long_queue_ids = yes

myhostname = $NAME.peer.test
mydomain = peer.test
myorigin = \$myhostname
# Listener addresses are explicit in master.cf; inet_interfaces must name
# configured interface addresses, and 127.0.0.2 etc. are not (only routed).
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_banner = \$myhostname ESMTP warmwire-test-peer

# No local delivery, no DNS: everything accepted is discarded.
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
relay_domains = ${DOMAINS[*]}
relay_recipient_maps =
default_transport = discard:discarded
relay_transport = discard:discarded
local_transport = discard:discarded
virtual_transport = discard:discarded
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
biff = no
message_size_limit = $SIZE_LIMIT
mailbox_size_limit = 0

# Relay only to PEER_DOMAINS (554 5.7.1 Relay access denied otherwise),
# then the test recipients of the access map.
smtpd_relay_restrictions = reject_unauth_destination
smtpd_recipient_restrictions = check_recipient_access texthash:$ETC/recipient_access
smtpd_sender_restrictions =
smtpd_client_restrictions =
smtpd_helo_restrictions =

# TLS: offered (may), every handshake logged; loglevel "1, cache" adds
# "Reusing old session" lines. No session cache database: resumption by
# RFC 5077 session tickets (Postfix default; keys held by tlsmgr, lifetime
# smtpd_tls_session_cache_timeout = 3600s).
smtpd_tls_security_level = may
smtpd_tls_chain_files = $TLS_DIR/key.pem, $TLS_DIR/cert.pem
smtpd_tls_loglevel = 1, cache
smtpd_tls_received_header = yes
smtp_tls_security_level = none
EOF
        if [[ $PIPELINING == no ]]; then
            echo "smtpd_discard_ehlo_keywords = pipelining"
        fi
        if [[ $RESUMPTION == no ]]; then
            echo "# No session tickets (nor a session cache): every handshake is a full one."
            echo "smtpd_tls_session_cache_timeout = 0"
        fi
    } >"$out/main.cf"
    {
        echo "# Generated by deploy/local/postfix-peer.sh for instance $NAME; do not edit."
        echo "# service      type  private unpriv chroot wakeup maxproc command + args"
        # Each listener logs under its own tag, e.g. postfix/tls-127.0.0.2/smtpd,
        # so a test can tell which listener took a connection.
        for a in "${ADDRESSES[@]}"; do
            echo "$a:$TLS_PORT inet n - n - $MAXPROC smtpd"
            echo "  -o syslog_name=postfix/tls-$a"
        done
        if [[ -n $PLAIN_PORT ]]; then
            echo "127.0.0.1:$PLAIN_PORT inet n - n - $MAXPROC smtpd"
            echo "  -o syslog_name=postfix/plain"
            echo "  -o smtpd_tls_security_level=none"
        fi
        if [[ -n $NOPIPE_PORT ]]; then
            echo "127.0.0.1:$NOPIPE_PORT inet n - n - $MAXPROC smtpd"
            echo "  -o syslog_name=postfix/nopipe"
            echo "  -o smtpd_discard_ehlo_keywords=pipelining"
        fi
        ww_postfix_internal_services
    } >"$out/master.cf"
    {
        echo "# Generated by deploy/local/postfix-peer.sh: test recipients, any accepted domain."
        echo "# Keys \"user@\" match that local part at every domain (texthash: no postmap)."
        echo "bounce@ 550 5.1.1 no such user"
        echo "defer@ 450 4.2.1 try again later"
    } >"$out/recipient_access"
}

elapsed() {
    # Seconds since EPOCHREALTIME value $1, with milliseconds.
    local t0=${1/[.,]/} t1=${EPOCHREALTIME/[.,]/} ms
    ms=$(((t1 - t0) / 1000))
    printf '%d.%03d' $((ms / 1000)) $((ms % 1000))
}

install_config() {
    # Postfix re-reads a main.cf younger than ~2s until it settles (300 ms
    # steps); back-dated files save that wait.
    touch -d "@$(($(date +%s) - 10))" "$1"/*
    cp -p "$1"/* "$ETC"/ && rm -rf "$1"
}

# ---------------------------------------------------------------- commands

cmd_status() {
    local pid
    if pid=$(master_pid); then
        say "$NAME running (master pid $pid, config $ETC)"
        return 0
    fi
    say "$NAME stopped"
    return 3
}

wait_ready() {
    local deadline=$((SECONDS + START_TIMEOUT)) spec pending
    while :; do
        pending=()
        while read -r spec; do
            greets_220 "$spec" || pending+=("$spec")
        done < <(listen_specs)
        [[ ${#pending[@]} -eq 0 ]] && return 0
        if ((SECONDS >= deadline)); then
            echo "$PROG: no 220 greeting from ${pending[*]} within ${START_TIMEOUT}s; last log lines:" >&2
            tail -n 20 "$MAILLOG" >&2 2>/dev/null || true
            return 1
        fi
        sleep 0.1
    done
}

cmd_start() {
    need_postfix
    check_settings
    local t0=$EPOCHREALTIME spec port new
    mkdir -p "$ETC" "$QUEUE" "$DATA" "$LOG_DIR"
    chmod 755 "$BASE" "$ETC" "$QUEUE" "$LOG_DIR"
    # The data directory (master.lock, TLS PRNG exchange file) belongs to mail_owner.
    chown postfix "$DATA"
    chmod 700 "$DATA"
    make_cert
    new=$(mktemp -d "$BASE/.etc.XXXXXX")
    write_config "$new"
    if master_pid >/dev/null; then
        if diff -q "$new/main.cf" "$ETC/main.cf" >/dev/null && diff -q "$new/master.cf" "$ETC/master.cf" >/dev/null \
            && diff -q "$new/recipient_access" "$ETC/recipient_access" >/dev/null; then
            rm -rf "$new"
            say "$NAME already running"
        else
            install_config "$new"
            say "$NAME running with other settings: reloading"
            pf reload >/dev/null 2>&1 || die "postfix reload failed (see $MAILLOG)"
            sleep 1
        fi
    else
        # Leftovers of a crashed run of THIS instance would hold the ports.
        ww_postfix_stop "$QUEUE" "$ETC"
        while read -r spec; do
            port=${spec##*:}
            if port_in_use "${spec%:*}" "$port"; then
                rm -rf "$new"
                die "$spec is already in use: $(ss -Hltnp "sport = :$port" | head -n 1)"
            fi
        done < <(listen_specs)
        install_config "$new"
        : >>"$MAILLOG"
        chmod 644 "$MAILLOG"
        local out
        if ! out=$(pf start 2>&1); then
            # The postfix command prints fatal errors only to a terminal.
            [[ -n $out ]] || out=$(script -qec "/usr/sbin/postfix -c $ETC check" /dev/null 2>&1 || true)
            echo "$out" >&2
            die "postfix -c $ETC start failed (log: $MAILLOG)"
        fi
    fi
    wait_ready || { cmd_stop >/dev/null 2>&1 || true; die "$NAME did not become ready"; }
    chmod 644 "$MAILLOG" 2>/dev/null || true
    say "$NAME ready in $(elapsed "$t0")s: $(listen_specs | tr '\n' ' ')log $MAILLOG"
}

cmd_stop() {
    if [[ ! -f $ETC/main.cf ]]; then
        say "$NAME not set up (nothing to stop)"
        return 0
    fi
    ww_postfix_stop "$QUEUE" "$ETC"
    say "$NAME stopped"
}

cmd_clean() {
    cmd_stop >/dev/null
    rm -rf "$BASE"
    say "$NAME removed ($BASE)"
}

case $CMD in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
log-path) echo "$MAILLOG" ;;
cert-path) echo "$CA_DIR/ca.pem" ;;
conf-dir) echo "$ETC" ;;
clean) cmd_clean ;;
*) echo "usage: $PROG start|stop|status|log-path|cert-path|conf-dir|clean NAME" >&2; exit 2 ;;
esac
