#!/usr/bin/env bash
# NAME
#   mta-peer.sh - run Exim or OpenSMTPD as a receiving SMTP peer on loopback
# SYNOPSIS
#   mta-peer.sh start|stop|status|log-path exim|opensmtpd
# DESCRIPTION
#   The receivers mail really meets, beside the Postfix peer (postfix-peer.sh), each with
#   its stock session limits and STARTTLS (a self-signed certificate made here):
#     exim       Exim 4.96 (Debian's exim4-daemon-light), on EXIM_PEER_PORT (12527);
#                accepts mail for EXIM_PEER_DOMAIN (exim.test) and discards it in its DATA
#                ACL; logs each message to its mainlog ("<= ... X=TLS...").
#     opensmtpd  OpenSMTPD 7.4 (bookworm-backports; bookworm's 6.8 cannot do TLS with
#                OpenSSL 3), on OPENSMTPD_PEER_PORT (12528); accepts mail for
#                OPENSMTPD_PEER_DOMAIN (smtpd.test) and delivers it to an mda that discards
#                it; offers no PIPELINING; max-mails 100 per session (its default). Logs
#                "mda delivery ... result=Ok" per recipient.
#   Neither package can be installed beside Postfix (each is a mail-transport-agent), so
#   their .deb files are downloaded with apt-get (private lists under the state folder,
#   bookworm + bookworm-backports) and unpacked into $WARMWIRE_STATE_DIR/mta-peer/root;
#   nothing is installed by dpkg. What the binaries need from the system is set up here as
#   root, once, as their packages' maintainer scripts would: the system users Debian-exim,
#   opensmtpd, opensmtpq and wwpeer (the discarding mda's user), /var/lib/opensmtpd/empty
#   (OpenSMTPD's chroot) and OpenSMTPD's helpers in /usr/libexec/opensmtpd. OpenSMTPD's
#   spool (/var/spool/smtpd) and control socket are compiled in: one opensmtpd peer per
#   machine. Libraries come from install-deps.sh (libidn12 for Exim).
#   Environment: EXIM_PEER_PORT, EXIM_PEER_DOMAIN, OPENSMTPD_PEER_PORT,
#   OPENSMTPD_PEER_DOMAIN, WARMWIRE_STATE_DIR, WARMWIRE_DEBIAN_MIRROR
#   (http://deb.debian.org/debian).
#   Exit status: 0 ok / running, 1 error, 2 usage, 3 stopped (status).
set -euo pipefail
WW_PROG=mta-peer.sh
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ww_instance_args "start|stop|status|log-path" "$@"
CMD=$WW_CMD
KIND=$WW_NAME
[[ $KIND == exim || $KIND == opensmtpd ]] || ww_die "unknown peer '$KIND' (exim or opensmtpd)"
TOP=$WW_STATE/mta-peer
ROOT=$TOP/root
BASE=$TOP/$KIND
PIDFILE=$BASE/$KIND.pid
MIRROR=${WARMWIRE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
OPENSMTPD_VERSION=7.4.0p1-1~bpo12+1

if [[ $KIND == exim ]]; then
    PORT=${EXIM_PEER_PORT:-12527}
    DOMAIN=${EXIM_PEER_DOMAIN:-exim.test}
    BIN=$ROOT/usr/sbin/exim4
    CONF=$BASE/exim.conf
    LOG=$BASE/log/mainlog
else
    PORT=${OPENSMTPD_PEER_PORT:-12528}
    DOMAIN=${OPENSMTPD_PEER_DOMAIN:-smtpd.test}
    BIN=$ROOT/usr/sbin/smtpd
    CONF=$BASE/smtpd.conf
    LOG=$BASE/smtpd.log
fi
ww_require_int PORT "$PORT"
[[ $DOMAIN =~ ^[a-z0-9.-]+$ ]] || ww_die "bad domain '$DOMAIN'"

# peer_pid - the pid of this peer when it runs (a live process whose command line names our config)
peer_pid() {
    local pid
    [[ -s $PIDFILE ]] || return 1
    pid=$(<"$PIDFILE")
    [[ $pid =~ ^[0-9]+$ ]] && ww_alive "$pid" || return 1
    tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF -- "$CONF" || return 1
    echo "$pid"
}

# fetch - the .deb files of both peers, unpacked under $ROOT (once)
fetch() {
    [[ -x $ROOT/usr/sbin/exim4 && -x $ROOT/usr/sbin/smtpd ]] && return 0
    local apt=$TOP/apt opts
    mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/sources" "$TOP/debs"
    printf 'Types: deb\nURIs: %s\nSuites: bookworm bookworm-backports\nComponents: main\nSigned-By: %s\n' \
        "$MIRROR" /usr/share/keyrings/debian-archive-keyring.gpg >"$apt/sources/debian.sources"
    opts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$apt/sources"
        -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o "APT::Sandbox::User=root")
    ww_log "fetching exim4 and opensmtpd $OPENSMTPD_VERSION (.deb, unpacked, not installed)"
    apt-get -qq "${opts[@]}" update || ww_die "apt-get update of the peers' package lists failed"
    (cd "$TOP/debs" && apt-get -qq "${opts[@]}" download exim4-daemon-light exim4-base exim4-config \
        "opensmtpd=$OPENSMTPD_VERSION") || ww_die "apt-get download of exim4/opensmtpd failed"
    local d
    for d in "$TOP"/debs/*.deb; do
        dpkg-deb -x "$d" "$ROOT"
    done
    [[ -x $ROOT/usr/sbin/exim4 && -x $ROOT/usr/sbin/smtpd ]] || ww_die "unpacked packages lack exim4/smtpd"
}

# system_setup - what the packages' maintainer scripts would make (users, chroot, helpers)
system_setup() {
    [[ $(id -u) -eq 0 ]] || ww_die "must run as root (system users for the peers)"
    local u
    for u in Debian-exim opensmtpd opensmtpq wwpeer; do
        getent passwd "$u" >/dev/null ||
            useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$u"
    done
    mkdir -p /var/lib/opensmtpd/empty /usr/libexec/opensmtpd
    for u in "$ROOT"/usr/libexec/opensmtpd/*; do
        cmp -s "$u" "/usr/libexec/opensmtpd/${u##*/}" || cp -p "$u" /usr/libexec/opensmtpd/
    done
}

# certificate - self-signed, CN=localhost (the peers are reached at levels may/encrypt)
certificate() {
    mkdir -p "$BASE/tls"
    [[ -s $BASE/tls/cert.pem && -s $BASE/tls/key.pem ]] && return 0
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj "/CN=localhost" \
        -addext "subjectAltName=DNS:localhost" -keyout "$BASE/tls/key.pem" -out "$BASE/tls/cert.pem" 2>/dev/null ||
        ww_die "openssl could not make the peer's certificate"
    chmod 600 "$BASE/tls/key.pem"
}

write_exim_conf() {
    mkdir -p "$BASE/spool" "$BASE/log"
    chown -R Debian-exim:Debian-exim "$BASE/spool" "$BASE/log" "$BASE/tls"
    cat >"$CONF" <<EOF
# written by mta-peer.sh: Exim 4.96 with its stock session limits, STARTTLS, mail discarded
primary_hostname = exim.peer.test
exim_user = Debian-exim
exim_group = Debian-exim
exim_path = $BIN
keep_environment =
spool_directory = $BASE/spool
log_file_path = $BASE/log/%slog
daemon_smtp_ports = $PORT
local_interfaces = 127.0.0.1
tls_advertise_hosts = *
tls_certificate = $BASE/tls/cert.pem
tls_privatekey = $BASE/tls/key.pem
acl_smtp_rcpt = acl_check_rcpt
acl_smtp_data = acl_check_data
begin acl
acl_check_rcpt:
  accept domains = $DOMAIN
  deny message = relay not permitted
acl_check_data:
  discard
begin routers
begin transports
EOF
}

write_smtpd_conf() {
    cat >"$CONF" <<EOF
# written by mta-peer.sh: OpenSMTPD 7.4 with its stock limits (max-mails 100), STARTTLS, mail discarded
pki peer.test cert "$BASE/tls/cert.pem"
pki peer.test key "$BASE/tls/key.pem"
table vusers { "@" = "wwpeer" }
listen on 127.0.0.1 port $PORT tls pki peer.test hostname smtpd.peer.test
action "drop" mda "cat >/dev/null" virtual <vusers>
match from any for domain "$DOMAIN" action "drop"
EOF
}

start() {
    if pid=$(peer_pid); then
        echo "$KIND: already running (pid $pid) on 127.0.0.1:$PORT"
        return 0
    fi
    rm -f "$PIDFILE"
    ww_require_port_free "$PORT" "$KIND peer"
    fetch
    system_setup
    mkdir -p "$BASE"
    certificate
    local deadline
    if [[ $KIND == exim ]]; then
        write_exim_conf
        "$BIN" -C "$CONF" -bV >/dev/null 2>"$BASE/check.err" || { cat "$BASE/check.err" >&2; ww_die "exim refused $CONF"; }
        setsid "$BIN" -C "$CONF" -bdf -oP "$BASE/exim.daemon.pid" >"$BASE/daemon.out" 2>&1 9>&- </dev/null &
    else
        write_smtpd_conf
        "$BIN" -n -f "$CONF" >/dev/null 2>"$BASE/check.err" || { cat "$BASE/check.err" >&2; ww_die "smtpd refused $CONF"; }
        setsid "$BIN" -d -v -f "$CONF" >"$LOG" 2>&1 9>&- </dev/null &
    fi
    echo $! >"$PIDFILE"
    deadline=$(($(ww_now) + WW_START_TIMEOUT))
    if ! ww_wait_for_port "$(<"$PIDFILE")" "$PORT" "$deadline"; then
        ww_tail_log "${LOG}" 20
        [[ $KIND == exim ]] && ww_tail_log "$BASE/daemon.out" 20
        stop >/dev/null 2>&1 || true
        ww_die "$KIND did not start on 127.0.0.1:$PORT"
    fi
    echo "$KIND: running (pid $(<"$PIDFILE")) on 127.0.0.1:$PORT for $DOMAIN, log $LOG"
}

stop() {
    local pid deadline
    if ! pid=$(peer_pid); then
        rm -f "$PIDFILE"
        echo "$KIND: not running"
        return 0
    fi
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$(($(ww_now) + WW_STOP_TIMEOUT))
    while ww_alive "$pid"; do
        if (($(ww_now) >= deadline)); then
            kill -KILL -- -"$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.2
    done
    # OpenSMTPD's privilege-separated children leave with their parent; make sure
    pkill -TERM -s "$pid" 2>/dev/null || true
    rm -f "$PIDFILE"
    echo "$KIND: stopped (pid $pid)"
}

case $CMD in
    start) start ;;
    stop) stop ;;
    status)
        if pid=$(peer_pid) && ww_port_accepts "$PORT"; then
            echo "$KIND: running (pid $pid) on 127.0.0.1:$PORT"
        else
            echo "$KIND: stopped"
            exit 3
        fi
        ;;
    log-path) echo "$LOG" ;;
esac
