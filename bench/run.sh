#!/usr/bin/env bash
# NAME
#   run.sh - Warmwire benchmark: the mesh against Debian's Postfix as sender, into a real Postfix
#   smtpd receiver or the project's own TLS sink, on loopback
# SYNOPSIS
#   bench/run.sh [--mode postfix-compare|mesh|sink|latency|idle|restart] [--keep] [N [S [D]]]
# DESCRIPTION
#   postfix-compare (default)  three senders in turn deliver the same N messages of S bytes,
#       round-robin over D domains d1.bench..dD.bench, TLS level encrypt, into ONE Postfix smtpd
#       receiver ("bench-rx", deploy/local/postfix-peer.sh) listening on 127.0.0.2..127.0.0.(D+1)
#       port 2625 with discard: delivery:
#         1. the mesh (Kafka, Infinispan, queue/delivery/tls-session-service via mesh.sh),
#         2. Postfix with smtp_tls_connection_reuse=no, 3. Postfix with =yes (bench/postfix-sender.sh).
#       Like with like: ALL N MESSAGES ARE QUEUED FIRST for every sender. Mesh: tls-session-service
#       is paused (SIGSTOP) while the N submissions go through mail.submit -> delivery-service (intake and
#       routing, one hop) until mail.deliver holds all N jobs; then SIGCONT = release. Postfix: the
#       N messages are injected by SMTP into the sender instance, which puts them on hold; then
#       postsuper -H ALL + postqueue -f = release. Wall time = release -> the N-th "discarded" line
#       in the receiver's log (polled every 10 ms), the same clock for all three.
#   mesh    only the mesh phase of postfix-compare.
#   sink    the mesh phase into bench/java/TlsSink.java (Netty, STARTTLS+PIPELINING, answers 250)
#       on the same D addresses, port 2725: the mesh's own ceiling.
#   latency  the sink phase (the ceiling, queued first), then N more messages submitted at a steady
#       rate, half the ceiling just measured (BENCH_RATE=R sets it), into the same sink over the
#       connections the first phase left open: per message the time from the submission (the
#       producer's send call) to its delivered event read from mail.events (read_committed, the
#       same clock), p50/p90/p99/p99.9/max, and the mesh's CPU per message over that window
#       (intake and delivery overlap, so it is one figure); and where the time goes, per hop
#       between the topics (producer timestamps, BenchDriver hops), over the whole phase and per
#       half second of it (tools.py timeline: a start-up ramp, a queue that grows, single
#       stalls), and the dispatch loop's commits (tools.py commits: how often, and how long the
#       newest and oldest submission of each had waited). The verdict on issue 12's target is
#       printed only at half the ceiling. The submitter starts and connects before the clock
#       starts; the CPU of the submitter and the events watcher, which share the machine's
#       cores with the mesh, is reported as "load CPU".
#   idle    N (default 10000) sites, one message each, into the sink on 127.20.x.y; then counts the
#       connections the tls-session-service keeps open and reports its heap (jcmd GC.run +
#       GC.heap_info) and RSS. Exits 3 "PENDING" when connections are not kept (no connection cache).
#   restart  three tls-session-service instances in one consumer group (WARMWIRE_SESSION_INSTANCES=3,
#       the TLS ticket store on) into the Postfix receiver: N/2 messages ("before"), then instance 2
#       is stopped (SIGTERM) and instance 3 killed (kill -9) and both started again, then N/2 more
#       ("after"). Reports, per half, the receiver's handshakes, full and resumed ("Reusing old
#       session" in its log), and connections: the restarted instances resume from the shared
#       ticket store instead of doing full handshakes. After each half it reads every instance's
#       warmwire_tls_tickets_taken_total{result=hit|none|reserve|contended|late} (why a take missed).
#   --keep  leave the mesh and the receiver running afterwards (the next run reuses them).
#   --warmup W  before the measured mesh phase, deliver W messages through the mesh (same
#       receiver, not measured), then wait until the cache's idle timeout has closed every
#       connection: the JVMs are warm (JIT-compiled, as in a long-running MTA) but the measured
#       phase starts without a single open connection, like Postfix. Default 0 (cold mesh).
#   --warm-connections  with --warmup: do not wait for the idle timeout; the measured phase starts
#       on the connections the warm-up left open (how many new handshakes a warm mesh makes, e.g.
#       to 1,000 destinations: "bench/run.sh --mode sink --warmup 3000 --warm-connections 5000 5120 1000").
#   Defaults: N=5000 S=5120 D=50 (idle: N=10000).
#   Results: .run/bench/results/<time>-<mode>.{json,txt}; the table is printed at the end.
# ENVIRONMENT
#   Ports (all 127.0.0.x): Kafka 29092/29093, Infinispan 21222 (JGroups 7900), services 28081-28083,
#   receiver 2625, sink 2725, Postfix sender injection 2631. State: .run/bench.
#   BENCH_PHASE_TIMEOUT seconds per phase (default 120 + N/10).
#   WARMWIRE_SESSION_GROUP_SESSION_TIMEOUT (60s here, except --mode restart: the service's 10s):
#       the queued-first pause stops every tls-session-service instance (SIGSTOP); past the
#       delivery loop's session timeout they lose their shards, and the release brings a rebalance
#       and hand-off into the measured window ("shards lost" in the table). Restart mode keeps the
#       service's default: its restarts are what it measures.
#   BENCH_BALANCED_SITES=1: the D destinations' receiver addresses are chosen so that their sites
#   fall on mail.deliver's partitions evenly (bench/java/BalancedSites.java), instead of
#   127.0.0.2 onwards, whose 50 sites the hash puts 27/13/10 on three instances: for scale-out
#   runs that measure the instances' cost rather than the layout's luck. Not for --mode idle.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
LOCAL=$ROOT/deploy/local

MODE=postfix-compare
KEEP=0
WARMUP=0
WARM_CONNECTIONS=0
ARGS=()
while (($#)); do
    case $1 in
    --mode) MODE=$2; shift 2 ;;
    --mode=*) MODE=${1#--mode=}; shift ;;
    --keep) KEEP=1; shift ;;
    --warm-connections) WARM_CONNECTIONS=1; shift ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --warmup=*) WARMUP=${1#--warmup=}; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) ARGS+=("$1"); shift ;;
    esac
done
case $MODE in postfix-compare|mesh|sink|latency|idle|restart) ;; *) echo "run.sh: unknown mode $MODE" >&2; exit 2 ;; esac
if [[ $MODE == idle ]]; then N=${ARGS[0]:-10000}; else N=${ARGS[0]:-5000}; fi
S=${ARGS[1]:-5120}
D=${ARGS[2]:-50}
[[ $N =~ ^[0-9]+$ && $S =~ ^[0-9]+$ && $D =~ ^[0-9]+$ && $N -gt 0 && $D -gt 0 ]] ||
    { echo "run.sh: N S D must be positive integers" >&2; exit 2; }
# the Postfix receiver listens on one address per destination (up to 127.0.0.250); the sink on
# as many as it is given (127.0.x.y)
if [[ $MODE != sink && $MODE != latency && $MODE != idle ]] && ((D > 249)); then
    echo "run.sh: D <= 249 with the Postfix receiver; --mode sink takes thousands" >&2
    exit 2
fi
[[ $WARMUP =~ ^[0-9]+$ ]] || { echo "run.sh: --warmup W must be a number" >&2; exit 2; }
PHASE_TIMEOUT=${BENCH_PHASE_TIMEOUT:-$((120 + N / 10))}

export WARMWIRE_STATE_DIR=$ROOT/.run/bench
export WARMWIRE_KAFKA_PORT=29092 WARMWIRE_KAFKA_CONTROLLER_PORT=29093
export WARMWIRE_INFINISPAN_PORT=21222 WARMWIRE_INFINISPAN_JGROUPS_PORT=7900
export WARMWIRE_QUEUE_PORT=28081 WARMWIRE_DELIVERY_PORT=28082 WARMWIRE_SESSION_PORT=28083
export WARMWIRE_PEER=0
[[ $MODE == restart ]] || export WARMWIRE_SESSION_GROUP_SESSION_TIMEOUT=${WARMWIRE_SESSION_GROUP_SESSION_TIMEOUT:-60s}
RX_PORT=2625
SINK_PORT=2725
INJECT_PORT=2631
STATE=$WARMWIRE_STATE_DIR
BOOT=127.0.0.1:$WARMWIRE_KAFKA_PORT
RES=$STATE/results
STAMP=$(date +%Y%m%d-%H%M%S)
OUT=$RES/$STAMP-$MODE
RUN_START=$(date +%s)
mkdir -p "$STATE" "$RES" "$STATE/classes"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

# the deploy scripts' helpers (ww_*): logging, clocks, pids; sourced after WARMWIRE_STATE_DIR is set
WW_PROG=bench
# shellcheck source=../deploy/local/lib.sh
source "$LOCAL/lib.sh"
log() { ww_log "$(date +%H:%M:%S) $*"; }
die() { ww_die "$(date +%H:%M:%S) $*"; }
now_ms() { ww_now_ms; }
py() { python3 "$HERE/tools.py" "$@"; }

# ------------------------------------------------------------------ cleanup of what we started
STOPPED_PIDS=()
SINK_PIDS=()
SINK_STATS=()
BG_PIDS=()
SENDER_UP=
cleanup() {
    local rc=$?
    set +e
    for p in "${STOPPED_PIDS[@]}"; do kill -CONT "$p" 2>/dev/null; done
    for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    [[ -n $SENDER_UP ]] && bash "$HERE/postfix-sender.sh" stop "$SENDER_UP" >/dev/null 2>&1
    for p in "${SINK_PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    if ((KEEP == 0)); then
        log "stopping the bench mesh and receiver (state $STATE)"
        bash "$LOCAL/postfix-peer.sh" stop bench-rx >/dev/null 2>&1
        bash "$LOCAL/mesh.sh" stop >/dev/null 2>&1
    fi
    # the logs this run's services wrote, beside the results: the next run's mesh starts them anew
    local logs
    logs=$(cd "$STATE/services" 2>/dev/null && find . -maxdepth 1 -name '*.log' -newermt "@${RUN_START:-$(date +%s)}" 2>/dev/null | sort)
    [[ -n ${OUT:-} && -n $logs ]] && tar -czf "$OUT.logs.tar.gz" -C "$STATE/services" $logs 2>/dev/null
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ set-up
addr_of() { echo "127.0.$(($1 / 250)).$(($1 % 250 + 1))"; } # domain I (1..D) -> receiver address: 127.0.0.2 ...
if [[ ${BENCH_BALANCED_SITES:-0} == 1 ]]; then
    # D addresses whose sites spread evenly over mail.deliver's partitions (bench/java/BalancedSites.java)
    [[ $MODE != idle ]] || die "BENCH_BALANCED_SITES does not apply to --mode idle"
    case $MODE in sink|latency) site_port=$SINK_PORT max=60000 ;; *) site_port=$RX_PORT max=249 ;; esac
    contracts_jar=$(ls "$ROOT"/tls-session-service/target/quarkus-app/lib/main/warmwire.warmwire-contracts-*.jar 2>/dev/null | head -1)
    [[ -n $contracts_jar ]] || die "BENCH_BALANCED_SITES: build the project first (no contracts jar)"
    mapfile -t SITE_ADDRS < <(for ((i = 1; i <= max; i++)); do addr_of $i; done |
        java -cp "$contracts_jar" "$HERE/java/BalancedSites.java" "$D" "${WARMWIRE_DELIVER_PARTITIONS:-12}" "$site_port" encrypt)
    ((${#SITE_ADDRS[@]} == D)) || die "BalancedSites gave ${#SITE_ADDRS[@]} of $D addresses"
    addr_of() { echo "${SITE_ADDRS[$(($1 - 1))]}"; }
    log "BENCH_BALANCED_SITES: $D receiver addresses chosen so that their sites spread over the partitions"
fi
idle_addr() { echo "127.20.$(($1 / 250)).$(($1 % 250 + 1))"; }   # idle site I (0..N-1)

write_routes() {
    local f=$STATE/routes.new i
    {
        echo "# generated by bench/run.sh"
        for ((i = 1; i <= D; i++)); do
            echo "d$i.bench [$(addr_of $i)]:$RX_PORT"
            echo "d$i.sink [$(addr_of $i)]:$SINK_PORT"
        done
        if [[ $MODE == idle ]]; then
            for ((i = 0; i < N; i++)); do echo "d$((i + 1)).idle [$(idle_addr $i)]:$SINK_PORT"; done
        fi
    } >"$f"
    ROUTES_CHANGED=0
    if ! cmp -s "$f" "$STATE/routes" 2>/dev/null; then ROUTES_CHANGED=1; fi
    mv -f "$f" "$STATE/routes"
    export WARMWIRE_ROUTES_FILE=$STATE/routes
    for ((i = 1; i <= D; i++)); do echo "d$i.bench smtp:[$(addr_of $i)]:$RX_PORT"; done >"$STATE/transport"
}

start_receiver() {
    local addrs="" doms="" i
    for ((i = 1; i <= D; i++)); do addrs+="$(addr_of $i) "; doms+="d$i.bench "; done
    PEER_TLS_PORT=$RX_PORT PEER_ADDRESSES=$addrs PEER_DOMAINS=$doms PEER_MAXPROC=100 \
        bash "$LOCAL/postfix-peer.sh" start bench-rx >&2
    RX_LOG=$(bash "$LOCAL/postfix-peer.sh" log-path bench-rx)
    RX_QUEUE=$STATE/postfix-peer/bench-rx/queue
}

compile_tools() {
    local klib=$STATE/kafka/lib nlib=$ROOT/tls-session-service/target/quarkus-app/lib/main cp
    [[ -d $klib ]] || die "no Kafka jars in $klib (mesh.sh start fetches them)"
    if [[ ! -f $STATE/classes/BenchDriver.class || $HERE/java/BenchDriver.java -nt $STATE/classes/BenchDriver.class ]]; then
        javac -nowarn -d "$STATE/classes" -cp "$klib/*" "$HERE/java/BenchDriver.java" || die "javac BenchDriver"
    fi
    cp=$(find "$nlib" -name 'io.netty.netty-*.jar' | tr '\n' ':')
    if [[ ! -f $STATE/classes/TlsSink.class || $HERE/java/TlsSink.java -nt $STATE/classes/TlsSink.class ]]; then
        javac -nowarn -d "$STATE/classes" -cp "$cp" "$HERE/java/TlsSink.java" || die "javac TlsSink"
    fi
    # C1 only, as the services run: a fresh submitter or watcher with C2 spent about a CPU-second
    # compiling beside the mesh in each latency phase (BENCHMARKS.md)
    DRIVER=(java -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Dlog4j2.configurationFile="$LOCAL/kafka/tools-log4j2.properties"
        -cp "$STATE/classes:$klib/*" BenchDriver)
    SINK_CP="$STATE/classes:$cp"
}

start_mesh() {
    WARMWIRE_TLS_TRUST_FILE=$(bash "$LOCAL/postfix-peer.sh" cert-path bench-rx)
    export WARMWIRE_TLS_TRUST_FILE
    log "starting the mesh (mesh.sh start, state $STATE)"
    timeout 900 bash "$LOCAL/mesh.sh" start >&2 || die "mesh.sh start failed"
    if ((ROUTES_CHANGED)); then log "routes file changed: waiting 6 s for delivery-service to reload it"; sleep 6; fi
    compile_tools
    KAFKA_PID=$(<"$STATE/kafka/kafka.pid")
    ISPN_PID=$(<"$STATE/infinispan/infinispan.pid")
    Q_PID=$(<"$STATE/services/queue-service.pid")
    DL_PID=$(<"$STATE/services/delivery-service.pid")
    TLS_PID=$(<"$STATE/services/tls-session-service.pid")
    # every tls-session-service instance (WARMWIRE_SESSION_INSTANCES): the queued-first pause
    # must hold all of them, or the others deliver during the "pause"
    TLS_PIDS=("$TLS_PID")
    TLS_NAMES="tls-session-service=$TLS_PID"
    local f n
    for f in "$STATE"/services/tls-session-service-*.pid; do
        [[ -e $f ]] && kill -0 "$(<"$f")" 2>/dev/null || continue
        n=${f##*/}; n=${n%.pid}
        TLS_PIDS+=("$(<"$f")")
        TLS_NAMES+=" $n=$(<"$f")"
    done
    MESH_PIDS=("$KAFKA_PID" "$ISPN_PID" "$Q_PID" "$DL_PID" "${TLS_PIDS[@]}")
}

start_sink() { # ADDRESS-FILE - one or more TlsSink processes: each holds one socket per listener
    # plus one per connection, so the addresses are split to stay under the open-files limit
    local afile=$1 lines limit parts k f
    lines=$(wc -l <"$afile")
    limit=$(ulimit -n)
    parts=$(((2 * lines + limit - 1001) / (limit - 1000)))
    ((parts >= 1)) || parts=1
    if [[ ! -s $STATE/sink/cert.pem ]]; then
        mkdir -p "$STATE/sink"
        openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj /CN=sink.bench \
            -keyout "$STATE/sink/key.pem" -out "$STATE/sink/cert.pem" 2>/dev/null || die "openssl (sink cert)"
    fi
    rm -f "$STATE"/sink-stats.*.json "$STATE"/sink-addresses.part.*
    split -n "l/$parts" -d "$afile" "$STATE/sink-addresses.part."
    SINK_PIDS=()
    SINK_STATS=()
    k=0
    for f in "$STATE"/sink-addresses.part.*; do
        java -Xmx1g -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$SINK_CP" TlsSink "$SINK_PORT" "$f" "$STATE/sink/cert.pem" "$STATE/sink/key.pem" \
            "$STATE/sink-stats.$k.json" 2 >"$STATE/sink.$k.log" 2>&1 &
        SINK_PIDS+=($!)
        SINK_STATS+=("$STATE/sink-stats.$k.json")
        k=$((k + 1))
    done
    for ((k = 0; k < ${#SINK_PIDS[@]}; k++)); do
        for _ in $(seq 1200); do
            grep -q READY "$STATE/sink.$k.log" 2>/dev/null && [[ -s ${SINK_STATS[k]} ]] && break
            kill -0 "${SINK_PIDS[k]}" 2>/dev/null || { cat "$STATE/sink.$k.log" >&2; die "sink $k did not start"; }
            sleep 0.1
        done
        grep -q READY "$STATE/sink.$k.log" || die "sink $k not ready"
        log "sink $k (pid ${SINK_PIDS[k]}): $(grep READY "$STATE/sink.$k.log")"
    done
}

# sink_json - the counters of all sink processes, summed (max_open: sum of the maxima)
sink_json() {
    python3 - "${SINK_STATS[@]}" <<'EOF2'
import json, sys
tot = {}
for f in sys.argv[1:]:
    for k, v in json.load(open(f)).items():
        tot[k] = max(tot.get(k, 0), v) if k == "time_ms" else tot.get(k, 0) + v
print(json.dumps(tot))
EOF2
}

sink_stat() { sink_json | python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

file_size() { stat -c %s "$1"; }

# ------------------------------------------------------------------ phases
# shards_lost - how often the tls-session-service instances have logged lost shards (ShardListener
#   "lost after": partitions taken away by a session timeout, not handed over)
shards_lost() {
    cat "$STATE"/services/tls-session-service*.log 2>/dev/null | grep -c ': lost after' || true
}

# session_timeout_s - the delivery loop's session timeout in whole seconds
#   (WARMWIRE_SESSION_GROUP_SESSION_TIMEOUT as Quarkus reads it: 60s, 2m, 90000ms, PT60S; 10 unset)
session_timeout_s() {
    local t=${WARMWIRE_SESSION_GROUP_SESSION_TIMEOUT:-10s}
    t=${t#PT}
    t=${t,,}
    case $t in
    *ms) echo $((${t%ms} / 1000)) ;;
    *s) echo "${t%s}" ;;
    *m) echo $((${t%m} * 60)) ;;
    *) echo 10 ;;
    esac
}

# mesh_phase NAME SUFFIX RECEIVER(postfix|sink) - queued first, release = SIGCONT; writes $OUT.NAME.json
mesh_phase() {
    local name=$1 suffix=$2 rx=$3
    local run="b$STAMP-$name" e0 e c0 c1 c2 r1 r2 o1 o2 t_rel t_paused sub watch_rc=0 lw_rc=0
    local wfile=$OUT.$name.events.json lwfile=$OUT.$name.logwatch.json s0 s1
    log "[$name] watcher on mail.events, then tls-session-service paused (SIGSTOP pids ${TLS_PIDS[*]})"
    "${DRIVER[@]}" watch "$BOOT" "$run" "$N" "$((PHASE_TIMEOUT * 2))" "$wfile" >"$OUT.$name.watch.out" 2>"$OUT.$name.watch.err" &
    local wpid=$!
    BG_PIDS+=("$wpid")
    for _ in $(seq 600); do grep -q READY "$OUT.$name.watch.out" 2>/dev/null && break; sleep 0.1; done
    grep -q READY "$OUT.$name.watch.out" || die "events watcher not ready: $(cat "$OUT.$name.watch.err")"
    e0=$("${DRIVER[@]}" end-offsets "$BOOT" mail.deliver)
    c0=$(py pids-cpu "${MESH_PIDS[@]}")
    local lost0
    lost0=$(shards_lost)
    kill -STOP "${TLS_PIDS[@]}"
    STOPPED_PIDS=("${TLS_PIDS[@]}")
    t_paused=$(now_ms)
    log "[$name] submitting $N x $S bytes to mail.submit (tls=encrypt, $D domains *.$suffix)"
    sub=$("${DRIVER[@]}" submit "$BOOT" "$run" "$N" "$S" "$D" encrypt "$suffix") || die "submit failed"
    log "[$name] submitted: $sub; waiting until mail.deliver holds $N new jobs"
    local deadline=$(($(date +%s) + PHASE_TIMEOUT))
    while :; do
        e=$("${DRIVER[@]}" end-offsets "$BOOT" mail.deliver)
        (( e - e0 >= N )) && break
        (($(date +%s) < deadline)) || die "only $((e - e0)) of $N jobs reached mail.deliver in ${PHASE_TIMEOUT}s"
        sleep 0.5
    done
    c1=$(py pids-cpu "${MESH_PIDS[@]}")
    py pids-cpu-each "${MESH_PIDS[@]}" >"$OUT.$name.cpu1.json"
    py pids-jit-each "${MESH_PIDS[@]}" >"$OUT.$name.jit1.json"
    local paused_s=$((($(now_ms) - t_paused) / 1000))
    # the delivery loop's consumer heartbeats every 3 s (contracts KafkaClients): an instance
    # stopped for the session timeout less 3 s may miss it, lose its shards, and the release then
    # brings a rebalance into the window (seen with a pause under 9 s of the default 10 s)
    local timeout_s
    timeout_s=$(session_timeout_s)
    ((paused_s < timeout_s - 3)) || log "[$name] WARNING: paused ${paused_s}s, near or past the delivery loop's" \
        "${timeout_s} s session timeout: the instances may lose their shards and rebalance in the measured window" \
        "(\"shards lost\" in the table)"
    if [[ $rx == postfix ]]; then
        o1=$(file_size "$RX_LOG"); r1=$(py pf-cpu "$RX_QUEUE")
        py logwatch "$RX_LOG" "$o1" "$N" "$PHASE_TIMEOUT" "$lwfile" &
        local lwpid=$!
        BG_PIDS+=("$lwpid")
    else
        s0=$(sink_json); r1=$(py pids-cpu "${SINK_PIDS[@]}")
    fi
    t_rel=$(now_ms)
    kill -CONT "${TLS_PIDS[@]}"
    STOPPED_PIDS=()
    log "[$name] released (SIGCONT) after a ${paused_s}s pause; waiting for $N deliveries"
    wait "$wpid" || watch_rc=$?
    if [[ $rx == postfix ]]; then
        wait "$lwpid" || lw_rc=$?
    fi
    c2=$(py pids-cpu "${MESH_PIDS[@]}")
    py pids-cpu-each "${MESH_PIDS[@]}" >"$OUT.$name.cpu2.json"
    py pids-jit-each "${MESH_PIDS[@]}" >"$OUT.$name.jit2.json"
    sleep 1
    if [[ $rx == postfix ]]; then
        r2=$(py pf-cpu "$RX_QUEUE"); o2=$(file_size "$RX_LOG")
        py logcount "$RX_LOG" "$o1" "$o2" "$((N / 10 > 0 ? N / 10 : 1))" >"$OUT.$name.counts.json"
    else
        sleep 1
        s1=$(sink_json); r2=$(py pids-cpu "${SINK_PIDS[@]}")
        python3 - "$s0" "$s1" >"$OUT.$name.counts.json" <<'EOF'
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(json.dumps({"connections": b["connections"] - a["connections"], "handshakes": b["handshakes"] - a["handshakes"],
                  "resumed": b["resumed"] - a["resumed"], "discarded": b["messages"] - a["messages"]}))
EOF
    fi
    py pids-hwm "${MESH_PIDS[@]}" >"$OUT.$name.hwm.json"
    local lost=$(($(shards_lost) - lost0))
    ((lost == 0)) || log "[$name] WARNING: tls-session-service lost shards $lost time(s) in this phase (session timeout" \
        "during the pause): its rebalance and hand-off are in the measured window; the run does not measure the steady mesh"
    python3 - "$name" "$N" "$t_rel" "$c0" "$c1" "$c2" "$r1" "$r2" "$wfile" "$lwfile" "$OUT.$name.counts.json" \
        "$OUT.$name.hwm.json" "$rx" "$OUT.$name" "kafka=$KAFKA_PID infinispan=$ISPN_PID queue-service=$Q_PID delivery-service=$DL_PID $TLS_NAMES" \
        "$HERE" "$lost" >"$OUT.$name.json" <<'EOF'
import json, os, sys
name, n, t_rel, c0, c1, c2, r1, r2, wfile, lwfile, cfile, hfile, rx, base, names, here, lost = sys.argv[1:]
sys.path.insert(0, here)
from tools import by_process
names = dict(kv.split("=")[::-1] for kv in names.split())
n, t_rel = int(n), int(t_rel)
tick = os.sysconf("SC_CLK_TCK")
ev = json.load(open(wfile)) if os.path.exists(wfile) else {}
lw = json.load(open(lwfile)) if os.path.exists(lwfile) else {}
cnt = json.load(open(cfile))
hwm = json.load(open(hfile))
delivered = ev.get("counts", {}).get("delivered", 0)
last = lw.get("last_ms") or ev.get("last_delivered_ms") or 0
first = lw.get("first_ms") or ev.get("first_delivered_ms") or 0
wall = (last - t_rel) / 1000 if last else None
per = lambda ticks: (ticks * 1000 / tick) / max(delivered, 1)
conns, hs, res = cnt["connections"], cnt["handshakes"], cnt["resumed"]
warm_n = n - max(1, n // 10)
r = {"name": name, "receiver": rx, "delivered": delivered, "other": n - delivered, "wall_s": wall,
     "active_s": (last - first) / 1000 if last else None,
     "events_last_s": (ev["last_delivered_ms"] - t_rel) / 1000 if ev.get("last_delivered_ms") else None,
     "rate": n / wall if wall else None,
     "sender_cpu_ms": per(int(c2) - int(c1)), "sender_cpu_total_ms": per(int(c2) - int(c0)),
     "receiver_cpu_ms": per(int(r2) - int(r1)),
     "connections": conns, "conn_per_msg": conns / n, "handshakes": hs, "resumed": res,
     "handshakes_txt": f"{hs - res}/{res}", "hs_per_msg": hs / n,
     "conn_per_msg_warm": cnt["connections_after_warmup"] / warm_n if "connections_after_warmup" in cnt else None,
     "hs_per_msg_warm": cnt["handshakes_after_warmup"] / warm_n if "handshakes_after_warmup" in cnt else None,
     "peak_rss_mb": round(sum(v.get("VmHWM", 0) for v in hwm.values()) / 1024),
     "shards_lost": int(lost),
     "peak_rss_by_pid_mb": {k: round(v.get("VmHWM", 0) / 1024) for k, v in hwm.items()},
     "events": {k: ev.get(k) for k in ("counts", "deferred_events", "conn_use_1", "tls_resumed", "timed_out", "samples")},
     "cpu_s": {"intake": (int(c1) - int(c0)) / tick, "delivery": (int(c2) - int(c1)) / tick,
               "receiver": (int(r2) - int(r1)) / tick}}
r["delivery_cpu_ms_per_msg_by_process"], r["jit_cpu_ms_per_msg_by_process"], _ = by_process(base, names, delivered)
print(json.dumps(r))
EOF
    log "[$name] done: $(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print({k: r[k] for k in ("delivered","wall_s","rate","sender_cpu_ms","connections","handshakes")})' "$OUT.$name.json")"
    ((watch_rc == 0 && lw_rc == 0)) || log "[$name] WARNING: not all $N messages were delivered in time (see $wfile)"
}

# latency_phase NAME SUFFIX RATE - N messages at RATE/s while the mesh runs (not paused), into the
# sink; writes $OUT.NAME.json with the latency percentiles
latency_phase() {
    local name=$1 suffix=$2 rate=$3
    local run="b$STAMP-$name" wfile=$OUT.$name.events.json afile=$OUT.$name.arrivals sfile=$OUT.$name.sent
    local s0 s1 r1 r2 t0 t1 watch_rc=0
    log "[$name] watcher on mail.events; then $N submissions at $rate/s into the sink (*.$suffix)"
    "${DRIVER[@]}" watch "$BOOT" "$run" "$N" "$((PHASE_TIMEOUT * 2))" "$wfile" "$afile" \
        >"$OUT.$name.watch.out" 2>"$OUT.$name.watch.err" &
    local wpid=$!
    BG_PIDS+=("$wpid")
    for _ in $(seq 600); do grep -q READY "$OUT.$name.watch.out" 2>/dev/null && break; sleep 0.1; done
    grep -q READY "$OUT.$name.watch.out" || die "events watcher not ready: $(cat "$OUT.$name.watch.err")"
    # the submitter starts and connects first; the clock starts when it is let go (the gate)
    local gate=$OUT.$name.gate spid
    "${DRIVER[@]}" submit "$BOOT" "$run" "$N" "$S" "$D" encrypt "$suffix" "$rate" "$sfile" "$gate" \
        >"$OUT.$name.submit.out" 2>"$OUT.$name.submit.err" &
    spid=$!
    BG_PIDS+=("$spid")
    for _ in $(seq 600); do grep -q READY "$OUT.$name.submit.out" 2>/dev/null && break; sleep 0.1; done
    grep -q READY "$OUT.$name.submit.out" || die "submitter not ready: $(cat "$OUT.$name.submit.err")"
    s0=$(sink_json); r1=$(py pids-cpu "${SINK_PIDS[@]}")
    py pids-cpu-each "${MESH_PIDS[@]}" >"$OUT.$name.cpu1.json"
    py pids-jit-each "${MESH_PIDS[@]}" >"$OUT.$name.jit1.json"
    t0=$(now_ms)
    touch "$gate"
    wait "$spid" || die "submit failed: $(cat "$OUT.$name.submit.err")"
    wait "$wpid" || watch_rc=$?
    t1=$(now_ms)
    py pids-cpu-each "${MESH_PIDS[@]}" >"$OUT.$name.cpu2.json"
    py pids-jit-each "${MESH_PIDS[@]}" >"$OUT.$name.jit2.json"
    sleep 1
    s1=$(sink_json); r2=$(py pids-cpu "${SINK_PIDS[@]}")
    py latency "$sfile" "$afile" >"$OUT.$name.latency.json"
    if "${DRIVER[@]}" hops "$BOOT" "$run" "$t0" "$OUT.$name.hops.raw.json"; then
        py hops "$OUT.$name.hops.raw.json" >"$OUT.$name.hops.json"
        py timeline "$sfile" "$afile" "$OUT.$name.hops.raw.json.msgs" >"$OUT.$name.timeline.json" ||
            log "[$name] WARNING: no timeline"
        py commits "$OUT.$name.hops.raw.json.msgs" >"$OUT.$name.commits.json" ||
            log "[$name] WARNING: no commits"
    else
        log "[$name] WARNING: hops failed"
    fi
    python3 - "$name" "$N" "$t0" "$t1" "$r1" "$r2" "$s0" "$s1" "$wfile" "$OUT.$name" \
        "kafka=$KAFKA_PID infinispan=$ISPN_PID queue-service=$Q_PID delivery-service=$DL_PID $TLS_NAMES" \
        "$HERE" >"$OUT.$name.json" <<'EOF'
import json, os, sys
name, n, t0, t1, r1, r2, s0, s1, wfile, base, names, here = sys.argv[1:]
sys.path.insert(0, here)
from tools import by_process
names = dict(kv.split("=")[::-1] for kv in names.split())
lat = json.load(open(base + ".latency.json"))
hops = json.load(open(base + ".hops.json")) if os.path.exists(base + ".hops.json") else {}
timeline = json.load(open(base + ".timeline.json")) if os.path.exists(base + ".timeline.json") else []
commits = json.load(open(base + ".commits.json")) if os.path.exists(base + ".commits.json") else {}
ev = json.load(open(wfile)) if os.path.exists(wfile) else {}
sa, sb = json.loads(s0), json.loads(s1)
tick = os.sysconf("SC_CLK_TCK")
n = int(n)
delivered = ev.get("counts", {}).get("delivered", 0)
per = lambda ticks: (ticks * 1000 / tick) / max(delivered, 1)
per_ms = lambda ms: ms / max(delivered, 1)
conns, hs, res = (sb[k] - sa[k] for k in ("connections", "handshakes", "resumed"))
r = {"name": name, "receiver": "sink", "delivered": delivered, "other": n - delivered,
     "wall_s": (int(t1) - int(t0)) / 1000, "rate": lat["submit_rate"],
     "receiver_cpu_ms": per(int(r2) - int(r1)),
     "connections": conns, "conn_per_msg": conns / n, "handshakes": hs, "resumed": res,
     "handshakes_txt": f"{hs - res}/{res}", "hs_per_msg": hs / n,
     "latency": lat, "hops": hops, "timeline": timeline, "commits": commits, "latency_txt": f"{lat['p50_ms']}/{lat['p99_ms']}",
     "events": {k: ev.get(k) for k in ("counts", "deferred_events", "conn_use_1", "tls_resumed", "timed_out", "samples")}}
r["delivery_cpu_ms_per_msg_by_process"], r["jit_cpu_ms_per_msg_by_process"], r["sender_cpu_total_ms"] = \
    by_process(base, names, delivered)
# the load's own processes on the same cores: the submitter (from the gate on) and the watcher
sub = json.loads(open(base + ".submit.out").read().split("READY", 1)[-1].strip().splitlines()[-1])
r["harness_cpu_ms"] = per_ms(sub.get("cpu_ms", 0) + ev.get("cpu_ms", 0))
print(json.dumps(r))
EOF
    log "[$name] done: $(cat "$OUT.$name.latency.json")"
    ((watch_rc == 0)) || log "[$name] WARNING: not all $N messages were delivered in time (see $wfile)"
}

# postfix_phase NAME REUSE
postfix_phase() {
    local name=$1 reuse=$2
    local q c0 c1 c2 r1 r2 o1 o2 t_rel inj lw_rc=0
    local lwfile=$OUT.$name.logwatch.json slog
    log "[$name] Postfix sender, smtp_tls_connection_reuse=$reuse"
    SENDER_TRANSPORT_FILE=$STATE/transport SENDER_REUSE=$reuse SENDER_INJECT_PORT=$INJECT_PORT \
        bash "$HERE/postfix-sender.sh" start "$name" >&2
    SENDER_UP=$name
    q=$(bash "$HERE/postfix-sender.sh" queue-dir "$name")
    slog=$(bash "$HERE/postfix-sender.sh" log-path "$name")
    c0=$(py pf-cpu "$q")
    inj=$(timeout "$PHASE_TIMEOUT" python3 "$HERE/tools.py" inject "$INJECT_PORT" "$N" "$S" "$D" bench "p$STAMP-$name" 8) ||
        die "injection into the Postfix sender failed"
    log "[$name] injected: $inj; waiting until $N are on hold"
    local deadline=$(($(date +%s) + PHASE_TIMEOUT))
    until (($(bash "$HERE/postfix-sender.sh" held "$name") >= N)); do
        (($(date +%s) < deadline)) || die "only $(bash "$HERE/postfix-sender.sh" held "$name") of $N on hold"
        sleep 0.3
    done
    c1=$(py pf-cpu "$q")
    o1=$(file_size "$RX_LOG"); r1=$(py pf-cpu "$RX_QUEUE")
    py logwatch "$RX_LOG" "$o1" "$N" "$PHASE_TIMEOUT" "$lwfile" &
    local lwpid=$!
    BG_PIDS+=("$lwpid")
    t_rel=$(now_ms)
    bash "$HERE/postfix-sender.sh" release "$name"
    log "[$name] released (postsuper -H ALL; postqueue -f); waiting for $N deliveries"
    wait "$lwpid" || lw_rc=$?
    c2=$(py pf-cpu "$q")
    sleep 1
    r2=$(py pf-cpu "$RX_QUEUE"); o2=$(file_size "$RX_LOG")
    py logcount "$RX_LOG" "$o1" "$o2" "$((N / 10 > 0 ? N / 10 : 1))" >"$OUT.$name.counts.json"
    local sent other
    sent=$(grep -c 'status=sent' "$slog" || true)
    other=$(grep -cE 'status=(deferred|bounced)' "$slog" || true)
    # peak RSS of a Postfix sender: the largest single process is not meaningful; report the sum
    # of the live processes' VmHWM at the end (qmgr, tlsproxy, scache, smtp...)
    local pids
    pids=$(find /proc -mindepth 2 -maxdepth 2 -name cwd -lname "$q" 2>/dev/null | cut -d/ -f3 | tr '\n' ' ' || true)
    # shellcheck disable=SC2086
    py pids-hwm $pids >"$OUT.$name.hwm.json"
    python3 - "$name" "$N" "$t_rel" "$c0" "$c1" "$c2" "$r1" "$r2" "$lwfile" "$OUT.$name.counts.json" "$sent" "$other" \
        "$OUT.$name.hwm.json" >"$OUT.$name.json" <<'EOF'
import json, os, sys
name, n, t_rel, c0, c1, c2, r1, r2, lwfile, cfile, sent, other, hfile = sys.argv[1:]
n, t_rel, sent, other = int(n), int(t_rel), int(sent), int(other)
tick = os.sysconf("SC_CLK_TCK")
lw = json.load(open(lwfile)) if os.path.exists(lwfile) else {}
cnt = json.load(open(cfile))
hwm = json.load(open(hfile))
last, first = lw.get("last_ms") or 0, lw.get("first_ms") or 0
wall = (last - t_rel) / 1000 if last else None
per = lambda ticks: (ticks * 1000 / tick) / max(sent, 1)
conns, hs, res = cnt["connections"], cnt["handshakes"], cnt["resumed"]
warm_n = n - max(1, n // 10)
print(json.dumps({"name": name, "receiver": "postfix", "delivered": sent, "other": n - sent, "deferred_lines": other,
    "wall_s": wall, "active_s": (last - first) / 1000 if last else None, "rate": n / wall if wall else None,
    "sender_cpu_ms": per(int(c2) - int(c1)), "sender_cpu_total_ms": per(int(c2) - int(c0)),
    "receiver_cpu_ms": per(int(r2) - int(r1)),
    "connections": conns, "conn_per_msg": conns / n, "handshakes": hs, "resumed": res,
    "handshakes_txt": f"{hs - res}/{res}", "hs_per_msg": hs / n,
    "conn_per_msg_warm": cnt["connections_after_warmup"] / warm_n, "hs_per_msg_warm": cnt["handshakes_after_warmup"] / warm_n,
    "peak_rss_mb": round(sum(v.get("VmHWM", 0) for v in hwm.values()) / 1024),
    "cpu_s": {"intake": (int(c1) - int(c0)) / tick, "delivery": (int(c2) - int(c1)) / tick,
              "receiver": (int(r2) - int(r1)) / tick}}))
EOF
    ((lw_rc == 0)) || log "[$name] WARNING: not all $N messages reached the receiver in time"
    bash "$HERE/postfix-sender.sh" stop "$name" >&2
    SENDER_UP=
    log "[$name] done"
}

# heap_used_kb - sum of "used NNNK" of the heap spaces in jcmd GC.heap_info (Serial, G1, Parallel)
heap_used_kb() {
    grep -E 'generation|heap|PSYoungGen|ParOldGen' | grep -v -E 'Metaspace|class space' |
        sed -n 's/.*used \([0-9]*\)K.*/\1/p' | awk '{s += $1} END {print s + 0}'
}

idle_mode() {
    local afile=$STATE/idle-addresses i open_now run="b$STAMP-idle" probe=20
    for ((i = 0; i < N; i++)); do idle_addr $i; done >"$afile"
    start_sink "$afile"
    # probe: $probe sites, one message each; a connection cache keeps their connections open
    log "[idle] probe: $probe sites, one message each"
    local o0
    o0=$(sink_stat open)
    "${DRIVER[@]}" watch "$BOOT" "$run-probe" "$probe" 120 "$OUT.idle-probe.events.json" >"$OUT.idle.watch.out" 2>&1 &
    local wpid=$!
    BG_PIDS+=("$wpid")
    for _ in $(seq 600); do grep -q READY "$OUT.idle.watch.out" && break; sleep 0.1; done
    "${DRIVER[@]}" submit "$BOOT" "$run-probe" "$probe" 1000 "$N" encrypt idle >/dev/null
    wait "$wpid" || die "the $probe probe messages were not all delivered: $(cat "$OUT.idle-probe.events.json")"
    sleep 3
    open_now=$(($(sink_stat open) - o0))
    if ((open_now < probe * 9 / 10)); then
        echo "PENDING: idle mode needs the warm connection cache (issue 3): after delivering $probe messages to $probe sites," \
            "tls-session-service keeps $open_now connections open (expected $probe). No heap/RSS figures reported." | tee "$OUT.txt"
        exit 3
    fi
    log "[idle] probe kept $open_now connections open; baseline heap after a full GC, then $N sites"
    jcmd "$TLS_PID" GC.run >/dev/null
    sleep 1
    local heap0 rss0
    heap0=$(jcmd "$TLS_PID" GC.heap_info | heap_used_kb)
    rss0=$(awk '/^VmRSS/{print $2}' "/proc/$TLS_PID/status")
    "${DRIVER[@]}" watch "$BOOT" "$run" "$N" "$PHASE_TIMEOUT" "$OUT.idle.events.json" >"$OUT.idle.watch.out" 2>&1 &
    wpid=$!
    BG_PIDS+=("$wpid")
    for _ in $(seq 600); do grep -q READY "$OUT.idle.watch.out" && break; sleep 0.1; done
    "${DRIVER[@]}" submit "$BOOT" "$run" "$N" 1000 "$N" encrypt idle >/dev/null
    wait "$wpid" || log "[idle] WARNING: not all $N delivered: $(head -c 400 "$OUT.idle.events.json")"
    sleep 3
    local est heap rss
    est=$(ss -Htn state established "( dport = :$SINK_PORT )" 2>/dev/null | wc -l)
    jcmd "$TLS_PID" GC.run >/dev/null
    sleep 1
    heap=$(jcmd "$TLS_PID" GC.heap_info | sed 1d)
    rss=$(py pids-hwm "$TLS_PID")
    local heap1 rss1 open_all
    heap1=$(heap_used_kb <<<"$heap")
    rss1=$(awk '/^VmRSS/{print $2}' "/proc/$TLS_PID/status")
    open_all=$(sink_stat open)
    {
        echo "idle mode: $N sites, one message each, TLS encrypt, into the sink (127.20.x.y:$SINK_PORT)"
        echo "sink: open connections now $(sink_stat open), max $(sink_stat max_open), handshakes $(sink_stat handshakes)"
        echo "established TCP connections to port $SINK_PORT (ss): $est"
        echo "tls-session-service pid $TLS_PID after GC.run: $rss (kB)"
        echo "$heap"
        echo "heap used after full GC: $((heap0 / 1024)) MB with the $probe probe connections, $((heap1 / 1024)) MB with $open_all open" \
            "connections: $(((heap1 - heap0) * 1024 / (open_all > probe ? open_all - probe : 1))) bytes per extra idle connection;" \
            "RSS $((rss0 / 1024)) -> $((rss1 / 1024)) MB (-Xmx ${WARMWIRE_SERVICE_HEAP:-256m})"
    } | tee "$OUT.txt"
}

# warm_mesh SUFFIX - W messages through the running mesh (not paused, not measured), then wait
# until the connection cache has closed every connection (idle timeout + 3 s)
warm_mesh() {
    local suffix=$1 run="b$STAMP-warmup" idle
    ((WARMUP > 0)) || return 0
    log "[warmup] $WARMUP messages through the mesh (not measured)"
    "${DRIVER[@]}" watch "$BOOT" "$run" "$WARMUP" "$PHASE_TIMEOUT" "$OUT.warmup.events.json" \
        >"$OUT.warmup.watch.out" 2>"$OUT.warmup.watch.err" &
    local wpid=$!
    BG_PIDS+=("$wpid")
    for _ in $(seq 600); do grep -q READY "$OUT.warmup.watch.out" 2>/dev/null && break; sleep 0.1; done
    grep -q READY "$OUT.warmup.watch.out" || die "warm-up watcher not ready: $(cat "$OUT.warmup.watch.err")"
    "${DRIVER[@]}" submit "$BOOT" "$run" "$WARMUP" "$S" "$D" encrypt "$suffix" >/dev/null || die "warm-up submit failed"
    wait "$wpid" || log "[warmup] WARNING: not all $WARMUP warm-up messages were delivered in time"
    if ((WARM_CONNECTIONS)); then
        log "[warmup] done; the measured phase starts on the connections the warm-up left open"
        return 0
    fi
    idle=${WARMWIRE_SESSION_IDLE_TIMEOUT:-30s}
    idle=${idle%s}
    [[ $idle =~ ^[0-9]+$ ]] || idle=30
    log "[warmup] done; waiting $((idle + 3)) s for the idle timeout to close every connection"
    sleep $((idle + 3))
}

# ------------------------------------------------------------------ main
# restart_mode - N/2 messages, restart two of three tls-session-service instances, N/2 more;
#   handshakes full/resumed at the receiver in each half
restart_mode() {
    local half=$((N / 2)) name run o1 o2 p2 p3 wpid
    for name in before after; do
        if [[ $name == after ]]; then
            p2=$(<"$STATE/services/tls-session-service-2.pid")
            p3=$(<"$STATE/services/tls-session-service-3.pid")
            log "[restart] SIGTERM of instance 2 (pid $p2), kill -9 of instance 3 (pid $p3)"
            kill -TERM "$p2" 2>/dev/null || true
            kill -KILL "$p3" 2>/dev/null || true
            for _ in $(seq 600); do kill -0 "$p2" 2>/dev/null || break; sleep 0.1; done
            timeout 600 bash "$LOCAL/mesh.sh" start >&2 || die "mesh.sh start (restart) failed"
            log "[restart] instances 2 and 3 started again"
        fi
        run="b$STAMP-$name"
        o1=$(file_size "$RX_LOG")
        "${DRIVER[@]}" watch "$BOOT" "$run" "$half" "$PHASE_TIMEOUT" "$OUT.$name.events.json" >"$OUT.$name.watch.out" 2>&1 &
        wpid=$!
        BG_PIDS+=("$wpid")
        for _ in $(seq 600); do grep -q READY "$OUT.$name.watch.out" && break; sleep 0.1; done
        log "[$name] submitting $half x $S bytes (tls=encrypt, $D domains)"
        "${DRIVER[@]}" submit "$BOOT" "$run" "$half" "$S" "$D" encrypt bench >/dev/null || die "submit failed"
        wait "$wpid" || log "[$name] WARNING: not all $half delivered in time (see $OUT.$name.events.json)"
        sleep 1
        o2=$(file_size "$RX_LOG")
        py logcount "$RX_LOG" "$o1" "$o2" 0 >"$OUT.$name.counts.json"
        # every instance's ticket-store takes by result (instances 2 and 3 count from their restart)
        for n in 1 2 3; do
            curl -fsS "http://127.0.0.1:$((WARMWIRE_SESSION_PORT + n - 1))/q/metrics" 2>/dev/null |
                sed -n "s/^warmwire_tls_tickets_\(taken\|returned\|failures\)_total/instance $n: &/p" || true
        done >"$OUT.$name.tickets.txt"
    done
    {
        cat "$OUT.machine.txt"
        echo "restart mode: 3 tls-session-service instances; between the halves instance 2 got SIGTERM and instance 3 kill -9, both started again"
        python3 - "$OUT" <<'EOF2'
import json, sys
out = sys.argv[1]
print(f"{'half':<8}{'delivered':>10}{'connections':>13}{'handshakes':>12}{'full':>7}{'resumed':>9}{'resumed %':>11}")
for name in ("before", "after"):
    c = json.load(open(f"{out}.{name}.counts.json"))
    ev = json.load(open(f"{out}.{name}.events.json"))
    hs, res = c["handshakes"], c["resumed"]
    d = ev.get("counts", {}).get("delivered", 0)
    print(f"{name:<8}{d:>10}{c['connections']:>13}{hs:>12}{hs - res:>7}{res:>9}{(100.0 * res / hs if hs else 0):>10.1f}%")
for name in ("before", "after"):
    print(f"ticket-store takes at the end of '{name}' (/q/metrics of each instance):")
    for line in open(f"{out}.{name}.tickets.txt"):
        print("  " + line.rstrip())
EOF2
    } | tee "$OUT.txt"
    log "results: $OUT.txt"
}

log "mode $MODE, N=$N S=$S D=$D, state $STATE, results $OUT.*"
if [[ $MODE == restart ]]; then
    export WARMWIRE_SESSION_INSTANCES=3
fi
if [[ $MODE == idle ]]; then
    # idle connections must outlive the run: the cache's idle timeout and maximum age (issue 3
    # defaults 30 s / 300 s) are raised unless set; they only reach a mesh started by this run
    export WARMWIRE_SESSION_IDLE_TIMEOUT=${WARMWIRE_SESSION_IDLE_TIMEOUT:-1800s}
    export WARMWIRE_SESSION_MAX_CONNECTION_AGE=${WARMWIRE_SESSION_MAX_CONNECTION_AGE:-3600s}
    if [[ -s $STATE/services/tls-session-service.pid ]] && kill -0 "$(<"$STATE/services/tls-session-service.pid")" 2>/dev/null; then
        log "WARNING: the bench mesh is already running (--keep): WARMWIRE_SESSION_IDLE_TIMEOUT etc. do not reach it"
    fi
fi
write_routes
start_receiver
start_mesh
{
    echo "date: $(date -Is)"
    echo "command: bench/run.sh --mode $MODE --warmup $WARMUP$( ((WARM_CONNECTIONS)) && echo " --warm-connections") $N $S $D"
    echo "machine: nproc=$(nproc), $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), memory $(free -g | awk '/Mem:/{print $2}') GiB, load $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" status --porcelain 2>/dev/null | grep -q . && echo ' (uncommitted changes)');" \
        "tls-session-service jar built $(date -r "$ROOT/tls-session-service/target/quarkus-app/quarkus-run.jar" -Is 2>/dev/null)," \
        "services started $(date -r "$STATE/services/tls-session-service.pid" -Is 2>/dev/null)"
    echo "postfix $(postconf -d mail_version 2>/dev/null | sed 's/.*= //'), $(java -version 2>&1 | head -1)"
    echo "environment: WARMWIRE_SESSION_INSTANCES=${WARMWIRE_SESSION_INSTANCES:-1} BENCH_BALANCED_SITES=${BENCH_BALANCED_SITES:-0}" \
        "WARMWIRE_ROUTING_POLL_LINGER=${WARMWIRE_ROUTING_POLL_LINGER:-}" \
        "WARMWIRE_SESSION_GROUP_SESSION_TIMEOUT=${WARMWIRE_SESSION_GROUP_SESSION_TIMEOUT:-}" \
        "WARMWIRE_SERVICE_JVM_OPTS='${WARMWIRE_SERVICE_JVM_OPTS:-}' WARMWIRE_SESSION_JVM_OPTS='${WARMWIRE_SESSION_JVM_OPTS:-}' WARMWIRE_KAFKA_JVM_OPTS='${WARMWIRE_KAFKA_JVM_OPTS:-}' WARMWIRE_INFINISPAN_JVM_OPTS='${WARMWIRE_INFINISPAN_JVM_OPTS:-}'"
} >"$OUT.machine.txt"
case $MODE in
postfix-compare)
    warm_mesh bench
    mesh_phase mesh bench postfix
    postfix_phase postfix-reuse-no no
    postfix_phase postfix-reuse-yes yes
    PHASES=(mesh postfix-reuse-no postfix-reuse-yes)
    ;;
mesh)
    warm_mesh bench
    mesh_phase mesh bench postfix
    PHASES=(mesh)
    ;;
sink)
    for ((i = 1; i <= D; i++)); do addr_of $i; done >"$STATE/sink-addresses"
    start_sink "$STATE/sink-addresses"
    warm_mesh sink
    mesh_phase mesh-sink sink sink
    PHASES=(mesh-sink)
    ;;
latency)
    for ((i = 1; i <= D; i++)); do addr_of $i; done >"$STATE/sink-addresses"
    start_sink "$STATE/sink-addresses"
    warm_mesh sink
    mesh_phase mesh-sink sink sink
    RATE=${BENCH_RATE:-$(python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["rate"] / 2, 1))' "$OUT.mesh-sink.json")}
    latency_phase latency sink "$RATE"
    PHASES=(mesh-sink latency)
    ;;
idle)
    idle_mode
    exit 0
    ;;
restart)
    restart_mode
    exit 0
    ;;
esac
python3 - "$OUT" "${PHASES[@]}" >"$OUT.json" <<'EOF'
import json, sys
out = sys.argv[1]
print(json.dumps({"phases": [json.load(open(f"{out}.{p}.json")) for p in sys.argv[2:]]}))
EOF
{
    cat "$OUT.machine.txt"
    echo "all N messages queued first for every sender; wall = release -> N-th delivery seen at the receiver"
    py summary "$OUT.json"
} | tee "$OUT.txt"
log "results: $OUT.txt, $OUT.json"
