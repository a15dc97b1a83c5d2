package warmwire.session.tls;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.impl.NetSocketInternal;
import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import warmwire.contracts.mail.TlsLevel;
import warmwire.contracts.route.Endpoint;
import warmwire.session.conn.EndpointWalker;
import warmwire.session.smtp.Envelope;
import warmwire.session.smtp.PeerVerifier;
import warmwire.session.smtp.SessionTickets;
import warmwire.session.smtp.SmtpSession;
import warmwire.session.smtp.SmtpSettings;
import warmwire.session.smtp.SmtpTimeouts;
import warmwire.session.smtp.TlsDetails;
import warmwire.session.smtp.TransactionResult;

/**
 * NAME
 *   TlsEngineBench - client CPU per STARTTLS handshake and per message, per TLS engine.
 * SYNOPSIS
 *   java -cp ... warmwire.session.tls.TlsEngineBench peer=127.0.0.1:2825 full=127.0.0.1:2827
 *       [variants=jdk,jdk-heap,openssl] [protocol=TLSv1.3|TLSv1.2] [rounds=7] [warmup=2]
 *       [handshakes=60] [messages=300] [size=5120] [log=maillog of peer] [host=localhost]
 *   (bench/tls-engine.sh starts the Postfix peers and runs it once per protocol.)
 * DESCRIPTION
 *   Drives the service's own SmtpSession over clients made from EndpointWalker.clientOptions,
 *   one operation at a time, and measures this process's CPU time (every thread, JIT and GC
 *   included; see {@link #cpuNanos}) around each connection and around each batch of messages.
 *   The variants take turns within each round (rotating order), so a busy machine weighs on all
 *   of them alike:
 *     jdk        the JDK SSLEngine as the service sets it up (Vert.x STARTTLS: the channel reads
 *                into pooled direct buffers, SslHandler writes into heap buffers)
 *     jdk-heap   the JDK SSLEngine with heap buffers for the channel's reads too
 *     openssl    Netty's OpenSSL engine (netty-tcnative-boringssl-static)
 *   Per variant it prints the median, min and max over the rounds of the mean CPU microseconds
 *   per operation:
 *     plain     connect, greeting, EHLO, QUIT without TLS (level none) on {@code peer}
 *     full      the same with STARTTLS, a full handshake and EHLO again, on {@code full}
 *               (a Postfix without session tickets)
 *     resumed   the connections on {@code peer} (whose tickets the client's session cache
 *               offers) that resumed, by TlsDetails.resumed; how many did, by the client and,
 *               when {@code log} is given, by the server's "Reusing old session" lines. (TLS 1.3
 *               against Postfix resumes every second connection: no new ticket after a
 *               resumption, and clients use a 1.3 ticket once.)
 *     msg-tls   one 5 KiB message (RSET, MAIL, RCPT, DATA pipelined, body, end of data) on
 *               an established STARTTLS session
 *     msg-plain the same in clear text
 *   and the differences: full handshake = full - plain, resumed handshake = resumed - plain,
 *   TLS per message = msg-tls - msg-plain. The "RESULT ..." lines are for the script.
 */
public final class TlsEngineBench {
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private final Vertx vertx = Vertx.vertx();
    private final Map<String, String> args;
    private final List<String> variants;
    private final SmtpSettings settings = new SmtpSettings("bench.warmwire.test", SmtpTimeouts.all(Duration.ofSeconds(30)));
    private final String host;
    private final Endpoint peer;
    private final Endpoint full;
    private final Path log;
    private final Set<String> protocols;
    private final Map<String, List<Double>> samples = new HashMap<>();
    private final Map<String, int[]> resumption = new HashMap<>(); // variant -> {client said, tried, server said}
    private final Map<String, String> negotiated = new HashMap<>();

    private TlsEngineBench(Map<String, String> args) {
        this.args = args;
        this.variants = List.of(args.getOrDefault("variants", "jdk,openssl").split(","));
        this.host = args.getOrDefault("host", "localhost");
        this.peer = endpoint(args.get("peer"));
        this.full = endpoint(args.getOrDefault("full", args.get("peer")));
        this.log = args.containsKey("log") ? Path.of(args.get("log")) : null;
        String p = args.getOrDefault("protocol", "any");
        this.protocols = p.equals("any") ? null : Set.of(p);
    }

    private Endpoint endpoint(String hostPort) {
        if (hostPort == null) {
            throw new IllegalArgumentException("peer=HOST:PORT is required");
        }
        int c = hostPort.lastIndexOf(':');
        return new Endpoint(host, hostPort.substring(0, c), Integer.parseInt(hostPort.substring(c + 1)), 10);
    }

    public static void main(String[] a) throws Exception {
        Map<String, String> m = new HashMap<>();
        for (String s : a) {
            int eq = s.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("arguments are key=value: " + s);
            }
            m.put(s.substring(0, eq), s.substring(eq + 1));
        }
        TlsEngineBench b = new TlsEngineBench(m);
        try {
            b.run();
        } finally {
            b.vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        System.exit(0);
    }

    /** jdk, jdk-heap (heap buffers for the channel's reads too) or openssl. */
    private static TlsEngine engineOf(String variant) {
        return TlsEngine.parse(variant.replace("-heap", ""));
    }

    private NetClient client(String variant) {
        NetClientOptions o = EndpointWalker.clientOptions(settings, engineOf(variant));
        if (protocols != null) {
            o.setEnabledSecureTransportProtocols(protocols);
        }
        NetClient c = vertx.createNetClient(o);
        return variant.endsWith("-heap") ? heapReads(c) : c;
    }

    /** The client, but every socket it connects reads into heap buffers ({@link HeapAllocator}). */
    private static NetClient heapReads(NetClient client) {
        InvocationHandler h = (proxy, method, margs) -> {
            Object r;
            try {
                r = method.invoke(client, margs);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            if (method.getName().equals("connect") && r instanceof Future<?> f) {
                return f.map(so -> {
                    ((NetSocketInternal) so).channelHandlerContext().channel().config().setAllocator(HeapAllocator.INSTANCE);
                    return so;
                });
            }
            return r;
        };
        return (NetClient) Proxy.newProxyInstance(NetClient.class.getClassLoader(), new Class<?>[] {NetClient.class}, h);
    }

    private void run() throws Exception {
        int rounds = Integer.parseInt(args.getOrDefault("rounds", "7"));
        int warmup = Integer.parseInt(args.getOrDefault("warmup", "2"));
        int handshakes = Integer.parseInt(args.getOrDefault("handshakes", "60"));
        int messages = Integer.parseInt(args.getOrDefault("messages", "300"));
        byte[] content = message(Integer.parseInt(args.getOrDefault("size", "5120")));
        System.out.printf("variants=%s protocol=%s java=%s cpus=%d openssl=%s%n", variants, protocols == null ? "any" : protocols.iterator().next(),
                System.getProperty("java.runtime.version"), Runtime.getRuntime().availableProcessors(),
                TlsEngine.OPENSSL.usable() == TlsEngine.OPENSSL ? "available" : TlsEngine.fallbackReason());
        Map<String, NetClient> clients = new HashMap<>();
        Map<String, NetClient> fullClients = new HashMap<>();
        for (String v : variants) {
            clients.put(v, client(v));
            // one connection to the resuming peer so that its session is in the client's cache
            connections(clients.get(v), peer, TlsLevel.ENCRYPT, 1);
            // full handshakes: a server without tickets or session cache (its own client, made once)
            fullClients.put(v, client(v));
            connections(fullClients.get(v), full, TlsLevel.ENCRYPT, 1);
        }
        for (int r = -warmup; r < rounds; r++) {
            boolean keep = r >= 0;
            // the variants take turns, in a rotating order: each round sees the same machine for all
            for (int k = 0; k < variants.size(); k++) {
                String v = variants.get(Math.floorMod(r + k, variants.size()));
                NetClient client = clients.get(v);
                NetClient fullClient = fullClients.get(v);
                long logAt = log == null ? 0 : Files.size(log);
                Conns plain = connections(client, peer, TlsLevel.NONE, handshakes);
                Conns fulls = connections(fullClient, full, TlsLevel.ENCRYPT, handshakes);
                Conns resuming = connections(client, peer, TlsLevel.ENCRYPT, handshakes);
                if (keep) {
                    sample(v, "plain", plain.fullCpu, plain.full);
                    sample(v, "full", fulls.fullCpu, fulls.full);
                    sample(v, "resumed", resuming.resumedCpu, resuming.resumed);
                    int[] c = resumption.computeIfAbsent(v, x -> new int[3]);
                    c[0] += resuming.resumed;
                    c[1] += handshakes;
                    c[2] += log == null ? 0 : reusedInLog(logAt);
                    if (fulls.resumed > 0) {
                        throw new IllegalStateException(v + ": a resumed handshake on the peer without tickets");
                    }
                }
                negotiated.putIfAbsent(v, resuming.negotiated);
                measure(keep, v, "msg-tls", messages, () -> messages(client, TlsLevel.ENCRYPT, messages, content));
                measure(keep, v, "msg-plain", messages, () -> messages(client, TlsLevel.NONE, messages, content));
            }
            System.out.printf("  round %d%s done%n", r, keep ? "" : " (warm-up)");
        }
        for (String v : variants) {
            clients.get(v).close();
            fullClients.get(v).close();
        }
        for (String v : variants) {
            report(v);
        }
    }

    private interface Batch {
        void run() throws Exception;
    }

    private void measure(boolean keep, String variant, String what, int ops, Batch batch) throws Exception {
        long c0 = cpuNanos();
        batch.run();
        long c1 = cpuNanos();
        if (keep) {
            samples.computeIfAbsent(variant + " " + what, k -> new ArrayList<>()).add((c1 - c0) / 1000.0 / ops);
        }
    }

    /**
     * CPU time of this process in nanoseconds. OperatingSystemMXBean.getProcessCpuTime counts in
     * clock ticks (10 ms on Linux), too coarse for one connection, so on Linux the run time of
     * every thread of the process (JIT and GC threads included) is summed from
     * /proc/self/task/N/schedstat, in nanoseconds: each file is kept open and read again from
     * its start (a few microseconds for all), the thread list is looked at again every 50
     * readings (a thread that ended between two readings would be missed; the bench starts
     * none while it measures).
     */
    static long cpuNanos() {
        if (!Files.isDirectory(TASKS)) {
            return OS.getProcessCpuTime();
        }
        if (readings++ % 50 == 0) {
            try (var dirs = Files.list(TASKS)) {
                for (Path t : (Iterable<Path>) dirs::iterator) {
                    String tid = t.getFileName().toString();
                    if (!SCHEDSTAT.containsKey(tid)) {
                        try {
                            SCHEDSTAT.put(tid, FileChannel.open(t.resolve("schedstat"), StandardOpenOption.READ));
                        } catch (IOException e) {
                            // the thread ended meanwhile
                        }
                    }
                }
            } catch (IOException e) {
                return OS.getProcessCpuTime();
            }
        }
        long sum = 0;
        ByteBuffer b = ByteBuffer.allocate(128);
        for (var it = SCHEDSTAT.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            try {
                b.clear();
                int n = e.getValue().read(b, 0);
                int i = 0;
                long v = 0;
                while (i < n && b.get(i) >= '0' && b.get(i) <= '9') {
                    v = v * 10 + (b.get(i++) - '0');
                }
                sum += v;
            } catch (IOException x) {
                it.remove(); // the thread ended
            }
        }
        return sum;
    }

    private static final Path TASKS = Path.of("/proc/self/task");
    private static final Map<String, FileChannel> SCHEDSTAT = new HashMap<>();
    private static int readings;

    /** CPU nanoseconds of the connections of a batch, apart for the resumed ones and the others. */
    private static final class Conns {
        long resumedCpu;
        int resumed;
        long fullCpu;
        int full;
        String negotiated;
    }

    /**
     * n connections one after the other (open: STARTTLS unless none; QUIT), each measured on
     * its own, so that the resumed ones and the full ones of a batch are told apart.
     */
    private Conns connections(NetClient client, Endpoint ep, TlsLevel level, int n) throws Exception {
        Conns r = new Conns();
        for (int i = 0; i < n; i++) {
            long c0 = cpuNanos();
            SmtpSession s = new SmtpSession(vertx, client, settings, ep, level, PeerVerifier.NOTHING, SessionTickets.NONE, TlsResumption.INSPECTOR);
            await(s.open());
            TlsDetails t = s.tls();
            await(s.quit());
            long cpu = cpuNanos() - c0;
            if (level != TlsLevel.NONE && t == null) {
                throw new IllegalStateException("no TLS with " + ep + ": " + s.failure());
            }
            if (t != null && t.resumed()) {
                r.resumedCpu += cpu;
                r.resumed++;
            } else {
                r.fullCpu += cpu;
                r.full++;
            }
            if (t != null) {
                r.negotiated = t.protocol() + " " + t.cipher();
            }
        }
        return r;
    }

    private void sample(String variant, String what, long nanos, int ops) {
        if (ops > 0) {
            samples.computeIfAbsent(variant + " " + what, k -> new ArrayList<>()).add(nanos / 1000.0 / ops);
        }
    }

    /** n messages over one connection, RSET before each but the first (as the connection cache does). */
    private void messages(NetClient client, TlsLevel level, int n, byte[] content) throws Exception {
        SmtpSession s = new SmtpSession(vertx, client, settings, peer, level, PeerVerifier.NOTHING, SessionTickets.NONE, TlsResumption.INSPECTOR);
        await(s.open());
        Envelope env = new Envelope("bench@sender.test", List.of("rcpt@tls.test"), content);
        for (int i = 0; i < n; i++) {
            TransactionResult r = await(i > 0 ? s.resetAndSend(env) : s.send(env));
            if (r.failure() != null || r.dataDone() == null || r.dataDone().code() != 250) {
                throw new IllegalStateException("message " + i + " not accepted: " + r.failure() + " " + r.dataDone());
            }
        }
        await(s.quit());
    }

    private int reusedInLog(long from) throws IOException, InterruptedException {
        Thread.sleep(300); // Postfix logs through postlogd: lines arrive a little later
        byte[] all = Files.readAllBytes(log);
        String tail = new String(all, (int) Math.min(from, all.length), (int) Math.max(0, all.length - from), StandardCharsets.UTF_8);
        int n = 0;
        for (int i = tail.indexOf("Reusing old session"); i >= 0; i = tail.indexOf("Reusing old session", i + 1)) {
            n++;
        }
        return n;
    }

    private static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    private static byte[] message(int size) {
        StringBuilder b = new StringBuilder("From: bench@sender.test\r\nTo: rcpt@tls.test\r\nSubject: tls engine bench\r\n"
                + "Message-ID: <bench@sender.test>\r\n\r\n");
        while (b.length() < size) {
            b.append("The quick brown fox jumps over the lazy dog 0123456789 abcdefghijklmnopqrstuvwxyz.\r\n");
        }
        return b.substring(0, size - 2).concat("\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static double[] stats(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double med = a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
        return new double[] {med, a[0], a[a.length - 1]};
    }

    private void report(String v) {
        System.out.printf("%n%s: negotiated %s%n", v, negotiated.get(v));
        System.out.println("CPU microseconds per operation (this process), median [min..max] of "
                + samples.get(v + " plain").size() + " rounds:");
        String[][] rows = {
            {"plain", "plain connection (connect, EHLO, QUIT)"},
            {"full", "STARTTLS connection, full handshake"},
            {"resumed", "STARTTLS connection, resumed handshake"},
            {"msg-tls", "5 KiB message over TLS"},
            {"msg-plain", "5 KiB message in clear text"},
        };
        Map<String, Double> med = new HashMap<>();
        for (String[] r : rows) {
            List<Double> v0 = samples.get(v + " " + r[0]);
            if (v0 == null) {
                med.put(r[0], Double.NaN);
                System.out.printf(Locale.ROOT, "  %-42s %8s%n", r[1], "none");
                continue;
            }
            double[] s = stats(v0);
            med.put(r[0], s[0]);
            System.out.printf(Locale.ROOT, "  %-42s %8.0f  [%.0f..%.0f]%n", r[1], s[0], s[1], s[2]);
        }
        int[] c = resumption.get(v);
        double hsFull = med.get("full") - med.get("plain");
        double hsResumed = med.get("resumed") - med.get("plain");
        double perMsg = med.get("msg-tls") - med.get("msg-plain");
        System.out.printf(Locale.ROOT, "  => full handshake (full - plain)                    %8.0f%n", hsFull);
        System.out.printf(Locale.ROOT, "  => resumed handshake (resumed - plain)              %8.0f%n", hsResumed);
        System.out.printf(Locale.ROOT, "  => TLS per 5 KiB message (tls - plain)              %8.0f%n", perMsg);
        System.out.printf("resumed: %d/%d by the client's TlsDetails%s%n", c[0], c[1],
                log == null ? "" : ", " + c[2] + " \"Reusing old session\" at the server");
        System.out.printf(Locale.ROOT, "RESULT variant=%s protocol=%s negotiated=%s plain=%.0f full=%.0f resumed=%.0f "
                        + "msg_tls=%.0f msg_plain=%.0f hs_full=%.0f hs_resumed=%.0f tls_per_msg=%.0f resumed_client=%d/%d "
                        + "resumed_server=%s%n",
                v, protocols == null ? "any" : protocols.iterator().next(), negotiated.get(v).split(" ")[0], med.get("plain"),
                med.get("full"), med.get("resumed"), med.get("msg-tls"), med.get("msg-plain"), hsFull, hsResumed, perMsg,
                c[0], c[1], log == null ? "-" : c[2] + "/" + c[1]);
    }
}
