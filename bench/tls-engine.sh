#!/usr/bin/env bash
# NAME
#   tls-engine.sh - client CPU per STARTTLS handshake and per 5 KiB message, per TLS engine
# SYNOPSIS
#   bench/tls-engine.sh [ROUNDS [HANDSHAKES [MESSAGES]]]      (defaults 7 60 300; run as root)
# DESCRIPTION
#   Starts two Postfix peers of its own (deploy/local/postfix-peer.sh): "tls-engine" on
#   127.0.0.1:2825 (session tickets on) and "tls-engine-full" on 127.0.0.1:2827 (tickets off:
#   every handshake full), runs warmwire.session.tls.TlsEngineBench (tls-session-service's test
#   classes over the service's own SmtpSession and client options) once per protocol (TLS 1.3,
#   TLS 1.2) in a fresh JVM; within it the variants take turns each round:
#     jdk        the JDK SSLEngine as the service sets it up for STARTTLS (Vert.x: the channel
#                reads into pooled direct buffers, SslHandler output in heap buffers)
#     jdk-heap   the JDK SSLEngine with heap buffers for the channel's reads too
#     openssl    Netty's OpenSSL engine (netty-tcnative-boringssl-static)
#     conscrypt  Conscrypt (BoringSSL), the service's default engine
#   and prints one table. Stops the peers at the end. Takes about 4 minutes per protocol with
#   the defaults. Needs the module built: ./mvnw -q -pl tls-session-service -am install
#   -DskipTests (done here when target/quarkus-app or target/test-classes is missing).
#   Environment: BENCH_VARIANTS (default "jdk,openssl,conscrypt"), BENCH_PROTOCOLS (default
#   "TLSv1.3 TLSv1.2"), BENCH_JAVA_OPTS (default "-Xmx512m"), BENCH_KEEP_PEERS=1.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
MOD=$ROOT/tls-session-service
PEER=$ROOT/deploy/local/postfix-peer.sh
ROUNDS=${1:-7}
HANDSHAKES=${2:-60}
MESSAGES=${3:-300}
VARIANTS=${BENCH_VARIANTS:-jdk,openssl,conscrypt}
PROTOCOLS=${BENCH_PROTOCOLS:-TLSv1.3 TLSv1.2}
JAVA_OPTS=${BENCH_JAVA_OPTS:--Xmx512m}

if [[ ! -d $MOD/target/quarkus-app/lib/main || ! -f $MOD/target/test-classes/warmwire/session/tls/TlsEngineBench.class ]]; then
    (cd "$ROOT" && ./mvnw -q -pl tls-session-service -am install -DskipTests) >&2
fi
# a private copy of the classes and jars: a rebuild of the module meanwhile cannot change the run
SNAP=$(mktemp -d)
cp -r "$MOD/target/test-classes" "$MOD/target/classes" "$SNAP/"
cp -r "$MOD/target/quarkus-app/lib/main" "$SNAP/lib"
cp -r "$MOD/target/quarkus-app/lib/boot" "$SNAP/boot"
CP="$SNAP/test-classes:$SNAP/classes:$SNAP/lib/*:$SNAP/boot/*"

stop_peers() {
    rm -rf "$SNAP"
    [[ ${BENCH_KEEP_PEERS:-0} == 1 ]] && return 0
    bash "$PEER" stop tls-engine >/dev/null 2>&1 || true
    bash "$PEER" stop tls-engine-full >/dev/null 2>&1 || true
}
trap stop_peers EXIT
PEER_TLS_PORT=2825 PEER_DOMAINS=tls.test bash "$PEER" start tls-engine >&2
PEER_TLS_PORT=2827 PEER_DOMAINS=tls.test PEER_TLS_RESUMPTION=no bash "$PEER" start tls-engine-full >&2
LOG=$(bash "$PEER" log-path tls-engine)

OUT=$(mktemp)
for proto in $PROTOCOLS; do
    echo "== $proto: $VARIANTS" >&2
    # shellcheck disable=SC2086
    java $JAVA_OPTS -cp "$CP" warmwire.session.tls.TlsEngineBench peer=127.0.0.1:2825 full=127.0.0.1:2827 log="$LOG" \
        variants="$VARIANTS" protocol="$proto" rounds="$ROUNDS" handshakes="$HANDSHAKES" messages="$MESSAGES" \
        >"$OUT.run" 2>/dev/null || { cat "$OUT.run" >&2; echo "TlsEngineBench failed ($proto)" >&2; exit 1; }
    cat "$OUT.run" >&2
    sed -n "s/^RESULT //p" "$OUT.run" >>"$OUT"
done

echo
echo "Client CPU, microseconds per operation (medians of $ROUNDS rounds; $HANDSHAKES handshakes, $MESSAGES messages of 5 KiB per round)"
printf '%-9s %-8s %-8s %8s %8s %8s %8s %8s %9s %9s\n' variant protocol got plain "full-hs" "res-hs" "msg-tls" "tls/msg" "resumed" "srv-reuse"
while read -r line; do
    declare -A f=()
    for kv in $line; do f[${kv%%=*}]=${kv#*=}; done
    printf '%-9s %-8s %-8s %8s %8s %8s %8s %8s %9s %9s\n' "${f[variant]}" "${f[protocol]}" "${f[negotiated]}" "${f[plain]}" "${f[hs_full]}" \
        "${f[hs_resumed]}" "${f[msg_tls]}" "${f[tls_per_msg]}" "${f[resumed_client]}" "${f[resumed_server]}"
    unset f
done <"$OUT"
rm -f "$OUT" "$OUT.run"
echo "plain = a connection without TLS (connect, greeting, EHLO, QUIT); full-hs = a STARTTLS connection with a full"
echo "handshake - plain; res-hs = one with a resumed handshake - plain (TLS 1.3: Postfix issues no new ticket on resumption"
echo "and clients use a 1.3 ticket once, so only every second connection resumes); msg-tls = one message over TLS;"
echo "tls/msg = msg-tls - the same in clear text; resumed = by the client's TlsDetails; srv-reuse = Postfix's \"Reusing old session\"."
