#!/usr/bin/env bash
# NAME
#   infinispan.sh - a local Infinispan Server on loopback
# SYNOPSIS
#   deploy/local/infinispan.sh start | stop | status | env
# DESCRIPTION
#   Runs Infinispan Server 16.0.7 from Maven Central jars, fetched once with
#   the project's Maven Wrapper (deploy/local/infinispan/pom.xml; no server
#   zip is published there). One node, clustered cache container on a
#   loopback-only JGroups stack, Hot Rod and REST on one port of 127.0.0.1,
#   authenticated by a properties realm with one user of the admin group
#   (allowed to create caches; the services create their own).
#
#   start   fetch jars, write the credentials on first use, copy the
#           configuration into server-root/conf, start the server, wait for
#           ISPN080001 in its log and for the port to accept.
#           Already running and ready: says so and exits 0.
#   stop    TERM, wait up to WARMWIRE_STOP_TIMEOUT, then KILL.
#   status  one line; exit 0 running and ready, 1 running but not ready,
#           3 stopped.
#   env     print export lines for the services' Quarkus Hot Rod client:
#             eval "$(deploy/local/infinispan.sh env)"
#
#   The password is made once from /dev/urandom and kept in
#   $WARMWIRE_STATE_DIR/infinispan/credentials (mode 600), unless
#   WARMWIRE_INFINISPAN_PASSWORD is set: then that one is used and stored.
# ENVIRONMENT
#   WARMWIRE_INFINISPAN_PORT          Hot Rod + REST port (11222)
#   WARMWIRE_INFINISPAN_JGROUPS_PORT  JGroups TCP port (7800); failure
#                                     detection uses this + 50000
#   WARMWIRE_INFINISPAN_XMX           heap (512m)
#   WARMWIRE_INFINISPAN_JVM_OPTS      further JVM flags of the server, split at spaces, after
#                                     the defaults (-XX:TieredStopAtLevel=1: C1 only, deploy/local
#                                     README "JIT"; "-XX:TieredStopAtLevel=4" brings C2 back)
#   WARMWIRE_INFINISPAN_USER          user name (warmwire)
#   WARMWIRE_INFINISPAN_PASSWORD      password (generated)
#   WARMWIRE_STATE_DIR, WARMWIRE_START_TIMEOUT, WARMWIRE_STOP_TIMEOUT,
#   JAVA_HOME                         see lib.sh
# FILES
#   $WARMWIRE_STATE_DIR/infinispan/{lib,server-home,server-root/{conf,data},
#   logs/server.log,credentials,infinispan.pid}
set -euo pipefail

# shellcheck source=deploy/local/lib.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"

HERE=$WW_ROOT/deploy/local/infinispan
PORT=${WARMWIRE_INFINISPAN_PORT:-11222}
JGROUPS_PORT=${WARMWIRE_INFINISPAN_JGROUPS_PORT:-7800}
XMX=${WARMWIRE_INFINISPAN_XMX:-512m}
read -r -a JVM_OPTS <<<"${WARMWIRE_INFINISPAN_JVM_OPTS:-}"

DIR=$WW_STATE/infinispan
LIB=$DIR/lib
SERVER_HOME=$DIR/server-home
SERVER_ROOT=$DIR/server-root
LOG=$DIR/logs/server.log
PIDFILE=$DIR/infinispan.pid
CREDENTIALS=$DIR/credentials
STARTED_PATTERN='ISPN080001'
# ISPN080028 "Server failed to start"; a configuration error is thrown
# through the Loader instead, and the JVM lives on after either.
FAILED_PATTERN='ISPN080028|at org\.infinispan\.server\.loader\.Loader\.main'

check_settings() {
    ww_require_int WARMWIRE_INFINISPAN_PORT "$PORT"
    ww_require_int WARMWIRE_INFINISPAN_JGROUPS_PORT "$JGROUPS_PORT"
    ww_require_int WARMWIRE_START_TIMEOUT "$WW_START_TIMEOUT"
    ((JGROUPS_PORT + 50000 <= 65535)) || ww_die "WARMWIRE_INFINISPAN_JGROUPS_PORT must be <= 15535 (failure detection listens on it + 50000)"
    [[ $XMX =~ ^[0-9]+[kKmMgG]?$ ]] || ww_die "WARMWIRE_INFINISPAN_XMX must look like 512m, got '$XMX'"
}

# credential KEY - the value of KEY in the credentials file
credential() {
    [[ -f $CREDENTIALS ]] || return 0
    sed -n "s/^$1=//p" "$CREDENTIALS" | head -n 1
}

# load_credentials - set USERNAME and PASSWORD; create or update the
#   credentials file (mode 600) so that env and start always agree
load_credentials() {
    local user pass
    user=${WARMWIRE_INFINISPAN_USER:-$(credential username)}
    user=${user:-warmwire}
    pass=${WARMWIRE_INFINISPAN_PASSWORD:-$(credential password)}
    if [[ -z $pass ]]; then
        if command -v openssl >/dev/null; then
            pass=$(openssl rand -hex 16)
        else
            pass=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
        fi
    fi
    [[ $user =~ ^[A-Za-z0-9._@-]+$ ]] || ww_die "WARMWIRE_INFINISPAN_USER may hold letters, digits and . _ @ - only"
    [[ $pass =~ ^[!-~]+$ && $pass != *\\* ]] ||
        ww_die "WARMWIRE_INFINISPAN_PASSWORD must be printable ASCII without spaces or backslashes"
    if [[ $user != "$(credential username)" || $pass != "$(credential password)" ]]; then
        mkdir -p "$DIR"
        (
            umask 077
            printf 'username=%s\npassword=%s\n' "$user" "$pass" >"$CREDENTIALS.tmp"
        )
        mv -f "$CREDENTIALS.tmp" "$CREDENTIALS"
    fi
    chmod 600 "$CREDENTIALS"
    USERNAME=$user
    PASSWORD=$pass
}

# write_config - server-root/conf: configuration, logging, the one user
write_config() {
    local conf=$SERVER_ROOT/conf
    mkdir -p "$conf" "$SERVER_ROOT/lib" "$SERVER_ROOT/data" "$SERVER_HOME/lib"
    cp "$HERE/infinispan.xml" "$HERE/log4j2.xml" "$conf/"
    (
        umask 077
        printf '# Generated by deploy/local/infinispan.sh from %s\n%s=%s\n' \
            "$CREDENTIALS" "$USERNAME" "$PASSWORD" >"$conf/users.properties"
        printf '# Generated by deploy/local/infinispan.sh\n%s=admin\n' "$USERNAME" >"$conf/groups.properties"
    )
}

is_ready() {
    ww_port_accepts "$PORT" && grep -qF -- "$STARTED_PATTERN" "$LOG" 2>/dev/null
}

cmd_start() {
    local pid t0ms deadline rc
    check_settings
    ww_require_java 17
    mkdir -p "$DIR/logs"
    ww_lock "$DIR/.lock"
    t0ms=$(ww_now_ms)
    deadline=$(($(ww_now) + WW_START_TIMEOUT))
    if pid=$(ww_pid_of "$PIDFILE" infinispan); then
        if is_ready; then
            echo "infinispan: already running (pid $pid) on 127.0.0.1:$PORT"
            return 0
        fi
        ww_log "infinispan: pid $pid is running but not ready yet; waiting"
    else
        rm -f "$PIDFILE"
        ww_require_port_free "$PORT" "WARMWIRE_INFINISPAN_PORT"
        ww_require_port_free "$JGROUPS_PORT" "WARMWIRE_INFINISPAN_JGROUPS_PORT"
        ww_require_port_free $((JGROUPS_PORT + 50000)) "JGroups failure detection, WARMWIRE_INFINISPAN_JGROUPS_PORT + 50000"
        ww_fetch_jars "$HERE/pom.xml" "$LIB"
        load_credentials
        write_config
        ww_rotate_log "$LOG"
        ww_start_java infinispan "$PIDFILE" "$LOG" \
            "-Xmx$XMX" -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
            -Djava.net.preferIPv4Stack=true -Djgroups.join_timeout=300 -XX:TieredStopAtLevel=1 "${JVM_OPTS[@]}" \
            "-Dwarmwire.jgroups.port=$JGROUPS_PORT" \
            "-Dinfinispan.server.home.path=$SERVER_HOME" \
            "-Dinfinispan.server.root.path=$SERVER_ROOT" \
            -cp "$LIB/*" org.infinispan.server.loader.Loader org.infinispan.server.Bootstrap \
            -s "$SERVER_ROOT" -c infinispan.xml -b 127.0.0.1 -p "$PORT"
        pid=$(<"$PIDFILE")
        ww_log "infinispan: started pid $pid, log $LOG"
    fi

    ww_wait_for_log "$pid" "$LOG" "$STARTED_PATTERN" "$deadline" "$FAILED_PATTERN" && rc=0 || rc=$?
    if ((rc == 0)); then
        ww_wait_for_port "$pid" "$PORT" "$deadline" && rc=0 || rc=$?
    fi
    case $rc in
    1) ww_startup_failed infinispan "$PIDFILE" "$LOG" "the process exited during start-up" ;;
    3) ww_startup_failed infinispan "$PIDFILE" "$LOG" "the server reported a start-up failure" ;;
    2) ww_startup_failed infinispan "$PIDFILE" "$LOG" "not ready (ISPN080001 and port $PORT) after ${WW_START_TIMEOUT}s" ;;
    esac
    echo "infinispan: ready in $(ww_elapsed "$t0ms")s, pid $pid, Hot Rod and REST on 127.0.0.1:$PORT (user $(credential username), see infinispan.sh env), log $LOG"
}

cmd_stop() {
    mkdir -p "$DIR"
    ww_lock "$DIR/.lock"
    ww_stop_pid infinispan "$PIDFILE"
}

cmd_status() {
    ww_status infinispan "$PIDFILE" "127.0.0.1:$PORT" is_ready
}

cmd_env() {
    check_settings
    load_credentials
    printf 'export QUARKUS_INFINISPAN_CLIENT_HOSTS=%q\n' "127.0.0.1:$PORT"
    printf 'export QUARKUS_INFINISPAN_CLIENT_USERNAME=%q\n' "$USERNAME"
    printf 'export QUARKUS_INFINISPAN_CLIENT_PASSWORD=%q\n' "$PASSWORD"
}

case ${1:-} in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
env) cmd_env ;;
*)
    echo "usage: $0 start|stop|status|env" >&2
    exit 2
    ;;
esac
