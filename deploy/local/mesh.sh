#!/usr/bin/env bash
# NAME
#   mesh.sh - run the whole of Warmwire on loopback: Kafka, Infinispan, a Postfix peer and the
#   three services
# SYNOPSIS
#   mesh.sh start|stop|status|env
# DESCRIPTION
#   start brings up, in order and each only if not already running:
#     1. a Kafka broker (kafka.sh; topics created),
#     2. an Infinispan Server (infinispan.sh; credentials generated into the state folder),
#     3. a demo receiving MTA, Postfix smtpd "demo" (postfix-peer.sh), with a STARTTLS listener
#        and one without STARTTLS, accepting mail for tls.test and plain.test into discard:
#        (skipped with WARMWIRE_PEER=0 or when Postfix is not installed),
#     4. queue-service, delivery-service and tls-session-service from their packaged
#        quarkus-app (built with the Maven Wrapper when missing), each waited for on
#        /q/health/ready. A service whose pid file names a live process of its own (its
#        -Dwwlocal marker) is running: it is waited for until ready (after a broker crash its
#        readiness is down until Kafka is back), never started a second time on its port; a
#        stale pid file is removed and the service started.
#   Unless WARMWIRE_ROUTES_FILE is set, a routes file is generated that sends tls.test to the
#   peer's STARTTLS listener and plain.test to its clear-text one; every other domain goes
#   through DNS. Unless WARMWIRE_TLS_TRUST_FILE is set, the peer's CA certificate is trusted
#   for the verify level. Unless WARMWIRE_ADMIN_TOKEN is set, an admin token is generated into
#   the state folder (admin-token, mode 600).
#   stop stops everything in reverse order. status prints one line per part and exits 0 only
#   when all run. env prints the addresses as shell variables.
# ENVIRONMENT
#   WARMWIRE_STATE_DIR      state folder (default <repo>/.run)
#   WARMWIRE_KAFKA_PORT, WARMWIRE_KAFKA_CONTROLLER_PORT, WARMWIRE_INFINISPAN_PORT (see kafka.sh, infinispan.sh)
#   WARMWIRE_QUEUE_PORT (8081), WARMWIRE_DELIVERY_PORT (8082), WARMWIRE_SESSION_PORT (8083): HTTP ports
#   WARMWIRE_SESSION_INSTANCES (1): tls-session-service instances, one consumer group: instance 1
#                           is tls-session-service on WARMWIRE_SESSION_PORT, instance n (n >= 2)
#                           tls-session-service-n on WARMWIRE_SESSION_PORT + n - 1 (8084, ...);
#                           start starts those not running, stop and status cover every instance
#                           that has a pid file
#   WARMWIRE_TLS_TICKET_KEY the TLS ticket store's key (base64 of 32 bytes); unless set, one is
#                           generated into the state folder (ticket-key, mode 600) and shared by
#                           every instance
#   WARMWIRE_PEER (1), WARMWIRE_PEER_TLS_PORT (2525), WARMWIRE_PEER_PLAIN_PORT (2526)
#   WARMWIRE_SERVICE_HEAP (256m): -Xmx of each service
#   WARMWIRE_SERVICE_JVM_OPTS  further JVM flags of each service, split at spaces, after the
#                           defaults (-XX:TieredStopAtLevel=1: the C1 compiler only, README "JIT";
#                           "-XX:TieredStopAtLevel=4" brings C2 back)
#   WARMWIRE_SESSION_JVM_OPTS  further JVM flags of each tls-session-service instance, after
#                           WARMWIRE_SERVICE_JVM_OPTS. Every instance sizes its event loops, JIT
#                           and pools for the whole host. For each of three instances on two
#                           cores, -XX:ActiveProcessorCount=1 measured worse and one event loop
#                           (-Dquarkus.vertx.event-loops-pool-size=1) no better (BENCHMARKS.md,
#                           scale-out, 2026-12-07)
#   WARMWIRE_CONFIG_DIR     a folder of <service>.properties files (e.g. tls-session-service.properties
#                           with per-site limits, whose quoted keys no environment variable can
#                           carry): a service that has one reads it on top of its packaged
#                           application.properties (quarkus.config.locations)
#   Every other WARMWIRE_* variable (WARMWIRE_TLS_LEVEL, WARMWIRE_DNS_SERVERS, ...) reaches the
#   services unchanged, as do KAFKA_* and QUARKUS_* variables.
set -euo pipefail
WW_PROG=mesh.sh
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
HERE="$WW_ROOT/deploy/local"

KAFKA_PORT=${WARMWIRE_KAFKA_PORT:-9092}
QUEUE_PORT=${WARMWIRE_QUEUE_PORT:-8081}
DELIVERY_PORT=${WARMWIRE_DELIVERY_PORT:-8082}
SESSION_PORT=${WARMWIRE_SESSION_PORT:-8083}
PEER=${WARMWIRE_PEER:-1}
export PEER_TLS_PORT=${WARMWIRE_PEER_TLS_PORT:-2525}
export PEER_PLAIN_PORT=${WARMWIRE_PEER_PLAIN_PORT:-2526}
HEAP=${WARMWIRE_SERVICE_HEAP:-256m}
read -r -a JVM_OPTS <<<"${WARMWIRE_SERVICE_JVM_OPTS:-}"
read -r -a SESSION_JVM_OPTS <<<"${WARMWIRE_SESSION_JVM_OPTS:-}"
SESSION_INSTANCES=${WARMWIRE_SESSION_INSTANCES:-1}
[[ $SESSION_INSTANCES =~ ^[1-9][0-9]?$ ]] || ww_die "WARMWIRE_SESSION_INSTANCES must be 1..99, not '$SESSION_INSTANCES'"
SVC_DIR=$WW_STATE/services
SERVICES=(queue-service delivery-service tls-session-service)
for ((n = 2; n <= SESSION_INSTANCES; n++)); do
    SERVICES+=("tls-session-service-$n")
done
# every further instance that has a pid file (stop and status cover them whatever the count)
for f in "$SVC_DIR"/tls-session-service-*.pid; do
    [[ -e $f ]] || continue
    n=${f##*/tls-session-service-}
    n=${n%.pid}
    [[ $n =~ ^[0-9]+$ ]] && ((n > SESSION_INSTANCES)) && SERVICES+=("tls-session-service-$n")
done

port_of() {
    case $1 in
        queue-service) echo "$QUEUE_PORT" ;;
        delivery-service) echo "$DELIVERY_PORT" ;;
        tls-session-service) echo "$SESSION_PORT" ;;
        tls-session-service-*) echo $((SESSION_PORT + ${1#tls-session-service-} - 1)) ;;
    esac
}

# the packaged application of a service (instances of tls-session-service share one)
app_of() {
    echo "${1%-[0-9]*}"
}

peer_enabled() {
    [[ $PEER != 0 ]] && [[ -x /usr/sbin/postfix ]]
}

ready() {
    curl -fsS -m 3 "http://127.0.0.1:$1/q/health/ready" >/dev/null 2>&1
}

build_if_missing() {
    local missing=()
    for s in queue-service delivery-service tls-session-service; do
        [[ -f $WW_ROOT/$s/target/quarkus-app/quarkus-run.jar ]] || missing+=("$s")
    done
    if ((${#missing[@]})); then
        ww_log "building ${missing[*]} (Maven Wrapper, tests skipped)"
        (cd "$WW_ROOT" && ./mvnw -q -B -ntp -DskipTests install -pl "$(IFS=,; echo "${missing[*]}")" -am) >&2 ||
            ww_die "build failed"
    fi
}

start_service() {
    local s=$1 port pid t0 deadline app
    port=$(port_of "$s")
    app=$(app_of "$s")
    if pid=$(ww_pid_of "$SVC_DIR/$s.pid" "$s"); then
        # Our own instance is alive. It may be unready for a while (its readiness includes Kafka,
        # e.g. just after a broker crash and restart): wait for it rather than start a second
        # one on its port; start anew only when it exits meanwhile.
        deadline=$(($(ww_now) + WW_START_TIMEOUT))
        until ready "$port"; do
            ww_alive "$pid" || break
            (($(ww_now) < deadline)) || ww_die "$s (pid $pid) is running but not ready after ${WW_START_TIMEOUT}s;" \
                "see $SVC_DIR/$s.log, or mesh.sh stop first"
            sleep 0.5
        done
        if ww_alive "$pid"; then
            echo "$s: already running (pid $pid), http://127.0.0.1:$port"
            return 0
        fi
        ww_log "$s: pid $pid exited while waiting for it; starting it again"
    fi
    # a pid file whose process is gone (or is another program now) is stale
    rm -f "$SVC_DIR/$s.pid"
    ww_require_port_free "$port" "$s HTTP"
    ww_rotate_log "$SVC_DIR/$s.log"
    t0=$(ww_now_ms)
    local extra=()
    if [[ -n ${WARMWIRE_CONFIG_DIR:-} && -f $WARMWIRE_CONFIG_DIR/$app.properties ]]; then
        extra=("-Dquarkus.config.locations=$WARMWIRE_CONFIG_DIR/$app.properties")
    fi
    if [[ $app == tls-session-service ]]; then
        extra+=("${SESSION_JVM_OPTS[@]}")
    fi
    QUARKUS_HTTP_PORT=$port ww_start_java "$s" "$SVC_DIR/$s.pid" "$SVC_DIR/$s.log" \
        "-Xmx$HEAP" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError "${JVM_OPTS[@]}" "${extra[@]}" \
        -jar "$WW_ROOT/$app/target/quarkus-app/quarkus-run.jar"
    pid=$(<"$SVC_DIR/$s.pid")
    deadline=$(($(ww_now) + WW_START_TIMEOUT))
    until ready "$port"; do
        ww_alive "$pid" || ww_startup_failed "$s" "$SVC_DIR/$s.pid" "$SVC_DIR/$s.log" "process exited"
        (($(ww_now) < deadline)) || ww_startup_failed "$s" "$SVC_DIR/$s.pid" "$SVC_DIR/$s.log" \
            "not ready after ${WW_START_TIMEOUT}s"
        sleep 0.5
    done
    echo "$s: ready in $(ww_elapsed "$t0")s (pid $pid), http://127.0.0.1:$port, log $SVC_DIR/$s.log"
}

cmd_start() {
    ww_require_java 17
    mkdir -p "$SVC_DIR"
    ww_lock "$SVC_DIR/.lock"
    build_if_missing
    bash "$HERE/kafka.sh" start
    bash "$HERE/infinispan.sh" start
    eval "$(bash "$HERE/infinispan.sh" env)"
    export KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$KAFKA_PORT
    if peer_enabled; then
        bash "$HERE/postfix-peer.sh" start demo
        if [[ -z ${WARMWIRE_ROUTES_FILE:-} ]]; then
            export WARMWIRE_ROUTES_FILE=$WW_STATE/routes
            printf '# generated by mesh.sh: demo domains to the Postfix peer "demo"\n%s\n%s\n' \
                "tls.test    [127.0.0.1]:$PEER_TLS_PORT" "plain.test  [127.0.0.1]:$PEER_PLAIN_PORT" \
                >"$WARMWIRE_ROUTES_FILE"
        fi
        if [[ -z ${WARMWIRE_TLS_TRUST_FILE:-} ]]; then
            WARMWIRE_TLS_TRUST_FILE=$(bash "$HERE/postfix-peer.sh" cert-path demo)
            export WARMWIRE_TLS_TRUST_FILE
        fi
    else
        ww_log "Postfix peer skipped (WARMWIRE_PEER=0 or postfix not installed: run deploy/local/install-deps.sh)"
    fi
    if [[ -z ${WARMWIRE_ADMIN_TOKEN:-} ]]; then
        if [[ ! -s $WW_STATE/admin-token ]]; then
            (umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$WW_STATE/admin-token")
        fi
        WARMWIRE_ADMIN_TOKEN=$(<"$WW_STATE/admin-token")
        export WARMWIRE_ADMIN_TOKEN
    fi
    if [[ -z ${WARMWIRE_TLS_TICKET_KEY:-} ]]; then
        if [[ ! -s $WW_STATE/ticket-key ]]; then
            (umask 077 && head -c 32 /dev/urandom | base64 >"$WW_STATE/ticket-key")
        fi
        WARMWIRE_TLS_TICKET_KEY=$(<"$WW_STATE/ticket-key")
        export WARMWIRE_TLS_TICKET_KEY
    fi
    for s in "${SERVICES[@]}"; do
        start_service "$s"
    done
    echo "mesh: up. Kafka bootstrap 127.0.0.1:$KAFKA_PORT; submit JSON to mail.submit, read mail.events."
    [[ -n ${WARMWIRE_ROUTES_FILE:-} ]] && echo "mesh: routes file $WARMWIRE_ROUTES_FILE"
    if peer_enabled; then
        echo "mesh: demo receiver log $(bash "$HERE/postfix-peer.sh" log-path demo)"
    fi
    echo "mesh: admin token in ${WARMWIRE_ADMIN_TOKEN:+\$WARMWIRE_ADMIN_TOKEN or }$WW_STATE/admin-token"
}

cmd_stop() {
    local i
    for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do
        ww_stop_pid "${SERVICES[i]}" "$SVC_DIR/${SERVICES[i]}.pid"
    done
    if [[ -d $WW_STATE/postfix-peer/demo ]]; then
        bash "$HERE/postfix-peer.sh" stop demo || true
    fi
    bash "$HERE/infinispan.sh" stop
    bash "$HERE/kafka.sh" stop
}

cmd_status() {
    local rc=0 s
    bash "$HERE/kafka.sh" status || rc=3
    bash "$HERE/infinispan.sh" status || rc=3
    if peer_enabled; then
        bash "$HERE/postfix-peer.sh" status demo || rc=3
    fi
    for s in "${SERVICES[@]}"; do
        ww_status "$s" "$SVC_DIR/$s.pid" "http://127.0.0.1:$(port_of "$s")" ready "$(port_of "$s")" || rc=3
    done
    return $rc
}

cmd_env() {
    echo "KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$KAFKA_PORT"
    echo "WARMWIRE_QUEUE_URL=http://127.0.0.1:$QUEUE_PORT"
    echo "WARMWIRE_DELIVERY_URL=http://127.0.0.1:$DELIVERY_PORT"
    echo "WARMWIRE_SESSION_URL=http://127.0.0.1:$SESSION_PORT"
    for ((n = 2; n <= SESSION_INSTANCES; n++)); do
        echo "WARMWIRE_SESSION_${n}_URL=http://127.0.0.1:$((SESSION_PORT + n - 1))"
    done
}

case ${1:-} in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    env) cmd_env ;;
    *) echo "usage: mesh.sh start|stop|status|env" >&2; exit 2 ;;
esac
