#!/usr/bin/env bash
# NAME
#   profile.sh - CPU profiles of the bench mesh's JVMs while a benchmark runs
# SYNOPSIS
#   bench/profile.sh OUT-DIR -- COMMAND...
#   e.g. bench/run.sh --mode mesh --warmup 3000 --keep; bench/profile.sh /tmp/p -- bench/run.sh --mode mesh --keep
# DESCRIPTION
#   Loads async-profiler (tools.profiler:async-profiler from Maven Central, fetched with the
#   Maven Wrapper) into every JVM of the running bench mesh (Kafka, Infinispan, the three
#   services and every further tls-session-service instance; pids from .run/bench), runs COMMAND, stops the profilers and writes, per process,
#   OUT-DIR/<process>.collapsed (folded stacks) and OUT-DIR/<process>.txt: the top frames by
#   self time and the share of samples with a package on the stack (inclusive). Sampling is
#   CPU time by interval timer (itimer, 1 ms; works where perf events are not allowed).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
OUT=${1:?usage: profile.sh OUT-DIR -- COMMAND...}
shift
[[ ${1:-} == -- ]] && shift
(($#)) || { echo "profile.sh: no command" >&2; exit 2; }
STATE=$ROOT/.run/bench
VERSION=4.2
JAR=$HOME/.m2/repository/tools/profiler/async-profiler/$VERSION/async-profiler-$VERSION-linux-x64.jar
if [[ ! -f $JAR ]]; then
    "$ROOT/mvnw" -q -B -ntp dependency:get -Dartifact=tools.profiler:async-profiler:$VERSION:jar:linux-x64 -Dtransitive=false
fi
LIBDIR=$STATE/async-profiler
mkdir -p "$LIBDIR" "$OUT"
[[ -f $LIBDIR/linux-x64/libasyncProfiler.so ]] || (cd "$LIBDIR" && unzip -q -o "$JAR")
LIB=$LIBDIR/linux-x64/libasyncProfiler.so
declare -A PIDS=(
    [kafka]=$STATE/kafka/kafka.pid [infinispan]=$STATE/infinispan/infinispan.pid
    [queue-service]=$STATE/services/queue-service.pid [delivery-service]=$STATE/services/delivery-service.pid
    [tls-session-service]=$STATE/services/tls-session-service.pid)
for f in "$STATE"/services/tls-session-service-*.pid; do # further instances (WARMWIRE_SESSION_INSTANCES)
    [[ -e $f ]] || continue
    n=${f##*/}
    PIDS[${n%.pid}]=$f
done
started=()
for name in "${!PIDS[@]}"; do
    f=${PIDS[$name]}
    [[ -s $f ]] && kill -0 "$(<"$f")" 2>/dev/null || { echo "profile.sh: $name not running" >&2; continue; }
    # the option in quotes: jcmd's parser splits an unquoted argument at '='. jcmd exits 0 even
    # when the agent refuses: its answer says "return code: 0" only when the profiler started
    out=$(jcmd "$(<"$f")" JVMTI.agent_load "$LIB" '"start,event=itimer,interval=1ms"' 2>&1) || true
    if [[ $out != *"return code: 0"* ]]; then
        echo "profile.sh: $name: the profiler did not start (see its log): $out" >&2
        continue
    fi
    started+=("$name")
done
rc=0
"$@" || rc=$?
for name in "${started[@]}"; do
    jcmd "$(<"${PIDS[$name]}")" JVMTI.agent_load "$LIB" "\"stop,file=$OUT/$name.collapsed,collapsed\"" >/dev/null || true
    python3 - "$OUT/$name.collapsed" >"$OUT/$name.txt" <<'EOF'
import collections, sys
self_, incl, total = collections.Counter(), collections.Counter(), 0
for line in open(sys.argv[1]):
    stack, _, n = line.rstrip().rpartition(" ")
    n = int(n); total += n
    frames = stack.split(";")
    self_[frames[-1]] += n
    pk = set()
    for fr in frames:
        f = fr.replace("/", ".")
        parts = f.split(".")
        for depth in (2, 3):
            if len(parts) > depth:
                pk.add(".".join(parts[:depth]))
    for p in pk:
        incl[p] += n
print(f"samples: {total}")
print("top frames by self time:")
for f, n in self_.most_common(30):
    print(f"  {100.0 * n / total:5.1f}%  {f}")
print("packages on the stack (inclusive):")
for p, n in incl.most_common(40):
    print(f"  {100.0 * n / total:5.1f}%  {p}")
EOF
done
exit $rc
