#!/usr/bin/env bash
# NAME
#   kafka.sh - a local Kafka broker (KRaft, single node) on loopback
# SYNOPSIS
#   deploy/local/kafka.sh start | stop | status | topics
#   deploy/local/kafka.sh run-class CLASS [ARGS...]
# DESCRIPTION
#   Runs Apache Kafka 4.1.2 from Maven Central jars, fetched once with the
#   project's Maven Wrapper (deploy/local/kafka/pom.xml), as broker and
#   controller in one process listening on 127.0.0.1 only.
#
#   start     fetch jars, write server.properties, format the storage on
#             first use, start the broker, wait until an admin "list topics"
#             succeeds, then create the Warmwire topics (see topics).
#             Already running and ready: says so and exits 0.
#   stop      TERM, wait up to WARMWIRE_STOP_TIMEOUT, then KILL.
#   status    one line; exit 0 running and ready, 1 running but not ready,
#             3 stopped.
#   topics    create the missing topics, fix their settings (topics.tsv) and grow
#             partitions of existing ones, print a table.
#   run-class run any class of the broker's class path (console producer,
#             consumer, TopicCommand...) with quiet logging, e.g.
#               kafka.sh run-class org.apache.kafka.tools.TopicCommand \
#                   --bootstrap-server 127.0.0.1:9092 --describe
#
#   Topics: those of contracts/src/main/resources/warmwire/contracts/topics.tsv
#   (the one list, also behind the Kubernetes KafkaTopic resources): mail.submit,
#   mail.submit.dlq, mail.events, mail.route, mail.outcome, the retry tiers
#   mail.retry.1..5, mail.internal.dlq (dead letters of the internal topics, 30
#   days), mail.control (compacted), mail.tls-results and mail.tlsrpt (TLS
#   reports, RFC 8460) with WARMWIRE_PARTITIONS
#   partitions, mail.deliver with WARMWIRE_DELIVER_PARTITIONS; max.message.bytes,
#   cleanup.policy and retention.ms as that file says (16777216: a 10 MiB message
#   travels base64 in JSON; mail.submit 1 MiB less). The broker allows the same
#   size (message.max.bytes, replica.fetch.max.bytes) and never auto-creates
#   topics: a mistyped name fails loudly.
# ENVIRONMENT
#   WARMWIRE_KAFKA_PORT             client port (9092)
#   WARMWIRE_KAFKA_CONTROLLER_PORT  KRaft controller port (9093)
#   WARMWIRE_KAFKA_XMX              broker heap (512m)
#   WARMWIRE_KAFKA_THREADS          network and I/O threads of the broker (2)
#   WARMWIRE_KAFKA_JVM_OPTS         further JVM flags of the broker, split at spaces, after the
#                                   defaults (-XX:TieredStopAtLevel=1: C1 only, deploy/local README
#                                   "JIT"; "-XX:TieredStopAtLevel=4" brings C2 back)
#   WARMWIRE_KAFKA_GC_OPTS          the broker's collector flags (G1 as Kafka's own scripts set it)
#   WARMWIRE_PARTITIONS             partitions of the topics (6)
#   WARMWIRE_DELIVER_PARTITIONS     partitions of mail.deliver (12)
#   WARMWIRE_STATE_DIR, WARMWIRE_START_TIMEOUT, WARMWIRE_STOP_TIMEOUT,
#   JAVA_HOME                       see lib.sh
# FILES
#   $WARMWIRE_STATE_DIR/kafka/{lib,tools,data,logs/server.log,
#   server.properties,cluster.id,kafka.pid}
set -euo pipefail

# shellcheck source=deploy/local/lib.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"

HERE=$WW_ROOT/deploy/local/kafka
PORT=${WARMWIRE_KAFKA_PORT:-9092}
CONTROLLER_PORT=${WARMWIRE_KAFKA_CONTROLLER_PORT:-9093}
XMX=${WARMWIRE_KAFKA_XMX:-512m}
PARTITIONS=${WARMWIRE_PARTITIONS:-6}
THREADS=${WARMWIRE_KAFKA_THREADS:-2}
read -r -a JVM_OPTS <<<"${WARMWIRE_KAFKA_JVM_OPTS:-}"
read -r -a GC_OPTS <<<"${WARMWIRE_KAFKA_GC_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent}"
DELIVER_PARTITIONS=${WARMWIRE_DELIVER_PARTITIONS:-12}
MAX_MESSAGE_BYTES=16777216

DIR=$WW_STATE/kafka
LIB=$DIR/lib
TOOLS=$DIR/tools
DATA=$DIR/data
LOG=$DIR/logs/server.log
PIDFILE=$DIR/kafka.pid
PROPS=$DIR/server.properties
BOOTSTRAP=127.0.0.1:$PORT
STARTED_PATTERN='Kafka Server started'

# The topics and their settings: contracts/src/main/resources/warmwire/contracts/topics.tsv, the
# one source of truth (the Kubernetes KafkaTopic resources are checked against it too).
TOPICS_FILE=$WW_ROOT/contracts/src/main/resources/warmwire/contracts/topics.tsv

# topic_groups - one line per distinct set of settings: "--config k=v ... topic:partitions ..."
topic_groups() {
    [[ -r $TOPICS_FILE ]] || ww_die "cannot read $TOPICS_FILE"
    awk -v std="$PARTITIONS" -v deliver="$DELIVER_PARTITIONS" '
        /^#/ || NF == 0 { next }
        NF != 5 { printf "kafka.sh: %s:%d: 5 columns expected\n", FILENAME, FNR > "/dev/stderr"; exit 1 }
        {
            n = $2 == "standard" ? std : $2 == "deliver" ? deliver : $2
            cfg = ""
            if ($3 != "-") cfg = cfg " --config cleanup.policy=" $3
            if ($4 != "-") cfg = cfg " --config retention.ms=" $4
            if ($5 != "-") cfg = cfg " --config max.message.bytes=" $5
            if (!(cfg in topics)) order[++count] = cfg
            topics[cfg] = topics[cfg] " " $1 ":" n
        }
        END { for (i = 1; i <= count; i++) print order[i] topics[order[i]] }' "$TOPICS_FILE"
}

check_settings() {
    ww_require_int WARMWIRE_KAFKA_PORT "$PORT"
    ww_require_int WARMWIRE_KAFKA_CONTROLLER_PORT "$CONTROLLER_PORT"
    ww_require_int WARMWIRE_PARTITIONS "$PARTITIONS"
    ww_require_int WARMWIRE_KAFKA_THREADS "$THREADS"
    ww_require_int WARMWIRE_DELIVER_PARTITIONS "$DELIVER_PARTITIONS"
    ww_require_int WARMWIRE_START_TIMEOUT "$WW_START_TIMEOUT"
    [[ $PORT != "$CONTROLLER_PORT" ]] || ww_die "WARMWIRE_KAFKA_PORT and WARMWIRE_KAFKA_CONTROLLER_PORT must differ"
    [[ $XMX =~ ^[0-9]+[kKmMgG]?$ ]] || ww_die "WARMWIRE_KAFKA_XMX must look like 512m, got '$XMX'"
}

# prepare_tools - fetch the jars and compile LocalTopics (source launcher without javac)
prepare_tools() {
    ww_fetch_jars "$HERE/pom.xml" "$LIB"
    local javac
    javac=$(dirname "$WW_JAVA")/javac
    [[ -x $javac ]] || javac=$(command -v javac || true)
    if [[ -n $javac ]]; then
        if [[ ! -f $TOOLS/LocalTopics.class || $HERE/LocalTopics.java -nt $TOOLS/LocalTopics.class ||
            $LIB/.pom.sha256 -nt $TOOLS/LocalTopics.class ]]; then
            mkdir -p "$TOOLS"
            "$javac" -nowarn -d "$TOOLS" -cp "$LIB/*" "$HERE/LocalTopics.java" ||
                ww_die "cannot compile $HERE/LocalTopics.java"
        fi
        TOPICS_CMD=(-cp "$TOOLS:$LIB/*" LocalTopics)
    else
        TOPICS_CMD=(-cp "$LIB/*" "$HERE/LocalTopics.java")
    fi
}

# tool JAVA-ARGS... - run a JVM with the broker's class path and quiet logging
tool() {
    "$WW_JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -Xshare:auto \
        -Dlog4j2.configurationFile="$HERE/tools-log4j2.properties" "$@"
}

# ensure_topics WAIT_MS [PID] - create / fix the topics of topics.tsv and print them
ensure_topics() {
    local wait_ms=$1 pid=${2:-} groups group
    groups=$(topic_groups) || ww_die "bad $TOPICS_FILE"
    while IFS= read -r group; do
        # shellcheck disable=SC2086 # one group: options and topic:partitions words
        tool "${TOPICS_CMD[@]}" ensure --bootstrap "$BOOTSTRAP" --wait-ms "$wait_ms" \
            ${pid:+--pid "$pid"} $group || return
    done <<<"$groups"
}

write_properties() {
    cat >"$PROPS" <<EOF
# Generated by deploy/local/kafka.sh at every start; edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$DATA

# One node: every internal topic has one replica.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
min.insync.replicas=1
default.replication.factor=1
group.initial.rebalance.delay.ms=0
# Internal topics sized for one local node (defaults are 50 partitions each: slow first use).
offsets.topic.num.partitions=10
transaction.state.log.num.partitions=5

# Threads sized for a small box (defaults 3 network + 8 I/O threads): fewer context switches on
# 2 cores; raise them with the core count (WARMWIRE_KAFKA_THREADS).
num.network.threads=$THREADS
num.io.threads=$THREADS

# The log cleaner's key map (log.cleaner.dedupe.buffer.size) is one heap array, 128 MiB by
# default: a quarter of the local broker's heap, live for good, so G1's old generation stayed
# above its marking threshold and concurrent marking ran without end (a quarter of the broker's
# CPU under load, BENCHMARKS.md). The compacted topics here (mail.control, offsets,
# transactions) hold a few thousand keys; 16 MiB maps about 650,000.
log.cleaner.dedupe.buffer.size=16777216

# Records up to 16 MiB (a 10 MiB message, base64 in JSON). Topic-level
# max.message.bytes is set to the same by kafka.sh.
message.max.bytes=$MAX_MESSAGE_BYTES
replica.fetch.max.bytes=$MAX_MESSAGE_BYTES
socket.request.max.bytes=104857600

# Every topic is created by kafka.sh with its size limit; a mistyped topic
# name in a service must fail loudly, not create a new topic.
auto.create.topics.enable=false
num.partitions=$PARTITIONS
EOF
}

# new_cluster_id - a Kafka Uuid: 16 random bytes, base64url without padding,
#   not starting with '-' (Kafka's own rule, for command lines)
new_cluster_id() {
    local id
    while :; do
        id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
        [[ $id != -* ]] && break
    done
    echo "$id"
}

format_storage() {
    [[ -f $DATA/meta.properties ]] && return 0
    [[ -s $DIR/cluster.id ]] || new_cluster_id >"$DIR/cluster.id"
    ww_log "formatting $DATA (cluster id $(<"$DIR/cluster.id"))"
    tool -cp "$LIB/*" kafka.tools.StorageTool format -t "$(<"$DIR/cluster.id")" -c "$PROPS" >&2 ||
        ww_die "kafka storage format failed"
}

is_ready() {
    ww_port_accepts "$PORT" && grep -qF -- "$STARTED_PATTERN" "$LOG" 2>/dev/null
}

cmd_start() {
    local pid t0 t0ms deadline rc now
    check_settings
    ww_require_java 17
    mkdir -p "$DIR/logs" "$DATA"
    ww_lock "$DIR/.lock"
    t0=$(ww_now)
    t0ms=$(ww_now_ms)
    deadline=$((t0 + WW_START_TIMEOUT))
    if pid=$(ww_pid_of "$PIDFILE" kafka); then
        if is_ready; then
            echo "kafka: already running (pid $pid) on $BOOTSTRAP"
            return 0
        fi
        ww_log "kafka: pid $pid is running but not ready yet; waiting"
    else
        rm -f "$PIDFILE"
        ww_require_port_free "$PORT" "WARMWIRE_KAFKA_PORT"
        ww_require_port_free "$CONTROLLER_PORT" "WARMWIRE_KAFKA_CONTROLLER_PORT"
        prepare_tools
        write_properties
        format_storage
        ww_rotate_log "$LOG"
        ww_start_java kafka "$PIDFILE" "$LOG" \
            "-Xmx$XMX" "${GC_OPTS[@]}" -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
            -Djava.net.preferIPv4Stack=true -XX:TieredStopAtLevel=1 "${JVM_OPTS[@]}" \
            "-Dlog4j2.configurationFile=$HERE/log4j2.properties" "-Dkafka.logs.dir=$DIR/logs" \
            -cp "$LIB/*" kafka.Kafka "$PROPS"
        pid=$(<"$PIDFILE")
        ww_log "kafka: started pid $pid, log $LOG"
    fi
    [[ -n ${TOPICS_CMD:-} ]] || prepare_tools

    ww_wait_for_port "$pid" "$PORT" "$deadline" && rc=0 || rc=$?
    case $rc in
    1) ww_startup_failed kafka "$PIDFILE" "$LOG" "the process exited during start-up" ;;
    2) ww_startup_failed kafka "$PIDFILE" "$LOG" "port $PORT not open after ${WW_START_TIMEOUT}s" ;;
    esac
    now=$(ww_now)
    ensure_topics $(((deadline - now) * 1000 + 1000)) "$pid" && rc=0 || rc=$?
    if ((rc != 0)); then
        if ! ww_alive "$pid"; then
            ww_startup_failed kafka "$PIDFILE" "$LOG" "the process exited during start-up"
        fi
        ww_startup_failed kafka "$PIDFILE" "$LOG" "admin client not answered or topics not created (rc $rc)"
    fi
    echo "kafka: ready in $(ww_elapsed "$t0ms")s, pid $pid, bootstrap $BOOTSTRAP (controller 127.0.0.1:$CONTROLLER_PORT), log $LOG"
}

cmd_stop() {
    mkdir -p "$DIR"
    ww_lock "$DIR/.lock"
    ww_stop_pid kafka "$PIDFILE"
}

cmd_status() {
    ww_status kafka "$PIDFILE" "$BOOTSTRAP" is_ready
}

cmd_topics() {
    local pid
    check_settings
    ww_require_java 17
    pid=$(ww_pid_of "$PIDFILE" kafka) || ww_die "kafka is not running (deploy/local/kafka.sh start)"
    prepare_tools
    ensure_topics 10000 "$pid"
}

cmd_run_class() {
    (($# > 0)) || ww_die "usage: kafka.sh run-class CLASS [ARGS...]"
    ww_require_java 17
    [[ -f $LIB/.pom.sha256 ]] || ww_fetch_jars "$HERE/pom.xml" "$LIB"
    tool -cp "$LIB/*" "$@"
}

case ${1:-} in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
topics) cmd_topics ;;
run-class) shift && cmd_run_class "$@" ;;
*)
    echo "usage: $0 start|stop|status|topics|run-class CLASS [ARGS...]" >&2
    exit 2
    ;;
esac
