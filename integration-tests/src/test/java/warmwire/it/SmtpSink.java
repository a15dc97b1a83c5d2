package warmwire.it;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import warmwire.testing.Poll;

/**
 * NAME
 *   SmtpSink - a small scripted SMTP receiver in the test JVM.
 * DESCRIPTION
 *   Listens on 127.0.0.1:{@code port} (see the routes {@link Mesh} writes: sink.test,
 *   admin.test, dead.test, later.test), speaks plain ESMTP without STARTTLS or PIPELINING
 *   (Warmwire's default TLS level "may" delivers in clear text then), and records what it sees:
 *   every connection, every RCPT TO with the reply it got, every message accepted (envelope and
 *   content, dot-unstuffed, lines joined with LF).
 *   Replies are scripted per recipient: {@link #replyOnce} queues one-shot replies used first,
 *   {@link #reply} sets a reply used from then on (null: back to "250 2.1.5 Ok"). The greeting
 *   can be set to a 4xx/5xx line ({@link #greeting}): the sink then sends it and closes, as a
 *   server that refuses service does. {@link #shared} keeps one sink per port for the whole
 *   test JVM, so late mail (a DSN, a retry) always finds its receiver; a sink made with
 *   {@code new} is closed by the test that made it.
 */
final class SmtpSink implements AutoCloseable {
    static final String OK_GREETING = "220 sink.test ESMTP Warmwire test sink";

    /**
     * One accepted message: envelope sender ("" for the null sender), accepted recipients,
     * content, and the number of the connection it came on (1 for the sink's first).
     */
    record Received(String from, List<String> to, String data, Instant at, int connection, boolean bdat) {
        /** The first header field {@code name} of the top-level header section, unfolded; null if absent. */
        String header(String name) {
            String head = data.split("\n\n", 2)[0];
            String unfolded = head.replaceAll("\n[ \t]+", " ");
            for (String line : unfolded.split("\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }

        boolean isTo(String rcpt) {
            return to.stream().anyMatch(r -> r.equalsIgnoreCase(rcpt));
        }
    }

    /**
     * One TCP connection: its number, the client's address (the sender's source), when it was
     * accepted, when it ended (QUIT received or the socket closed; null while open), and the
     * name its last EHLO/HELO gave (null before one).
     */
    record Conn(int number, String peer, Instant opened, Instant ended, String helo) {
    }

    /** One RCPT TO and the first line of the reply it got. */
    record RcptAttempt(String rcpt, String reply, Instant at) {
    }

    private static final Map<Integer, SmtpSink> SHARED = new HashMap<>();

    private final int port;
    private final ServerSocket server;
    private final AtomicInteger connections = new AtomicInteger();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final List<RcptAttempt> rcpts = new CopyOnWriteArrayList<>();
    private final Map<String, Deque<String>> once = new ConcurrentHashMap<>();
    private final Map<String, String> always = new ConcurrentHashMap<>();
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final Map<Integer, Conn> conns = new ConcurrentHashMap<>();
    private volatile String greeting = OK_GREETING;
    private final boolean chunking;

    /** The sink of {@code port} shared by the whole test JVM, started on first use. */
    static synchronized SmtpSink shared(int port) {
        return SHARED.computeIfAbsent(port, p -> {
            try {
                return new SmtpSink(p);
            } catch (IOException e) {
                throw new IllegalStateException("cannot listen on 127.0.0.1:" + p, e);
            }
        });
    }

    SmtpSink(int port) throws IOException {
        this(port, false);
    }

    /**
     * @param chunking offer PIPELINING and CHUNKING (RFC 3030) and take BDAT: each chunk's octets
     *                 exactly, the message at BDAT ... LAST ({@link Received#bdat()})
     */
    SmtpSink(int port, boolean chunking) throws IOException {
        this.port = port;
        this.chunking = chunking;
        server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 200);
        Thread accept = new Thread(this::acceptLoop, "smtp-sink-" + port);
        accept.setDaemon(true);
        accept.start();
    }

    /** Queues one-shot replies to RCPT TO:&lt;rcpt&gt;, used in order before any {@link #reply}. */
    SmtpSink replyOnce(String rcpt, String... replies) {
        once.computeIfAbsent(key(rcpt), k -> new ArrayDeque<>()).addAll(List.of(replies));
        return this;
    }

    /** The reply to RCPT TO:&lt;rcpt&gt; from now on; null accepts again ("250 2.1.5 Ok"). */
    SmtpSink reply(String rcpt, String reply) {
        if (reply == null) {
            always.remove(key(rcpt));
        } else {
            always.put(key(rcpt), reply);
        }
        return this;
    }

    /** The greeting of new connections; anything but 220 is sent and the connection closed. */
    SmtpSink greeting(String g) {
        greeting = g;
        return this;
    }

    int port() {
        return port;
    }

    /** TCP connections accepted so far. */
    int connections() {
        return connections.get();
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    /** Messages accepted for {@code rcpt} so far. */
    List<Received> receivedFor(String rcpt) {
        return received.stream().filter(r -> r.isTo(rcpt)).collect(Collectors.toList());
    }

    /** Every RCPT TO:&lt;rcpt&gt; seen so far, with its reply. */
    List<RcptAttempt> attempts(String rcpt) {
        return rcpts.stream().filter(a -> a.rcpt().equalsIgnoreCase(rcpt)).collect(Collectors.toList());
    }

    /** Waits for an accepted message matching {@code which}. */
    Received await(Predicate<Received> which, Duration timeout) throws InterruptedException {
        return Poll.until(timeout, Duration.ofMillis(100), () -> received.stream().filter(which).findFirst().orElse(null),
                r -> r != null, r -> "sink :" + port + ": no matching message; received " + received.size() + " message(s) for "
                        + received.stream().map(Received::to).collect(Collectors.toList()));
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            s.close();
        }
        synchronized (SmtpSink.class) {
            SHARED.remove(port, this);
        }
    }

    private static String key(String rcpt) {
        return rcpt.toLowerCase(Locale.ROOT);
    }

    private String replyTo(String rcpt) {
        Deque<String> q = once.get(key(rcpt));
        if (q != null) {
            synchronized (q) {
                String r = q.poll();
                if (r != null) {
                    return r;
                }
            }
        }
        return always.getOrDefault(key(rcpt), "250 2.1.5 Ok");
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                int number = connections.incrementAndGet();
                conns.put(number, new Conn(number, s.getInetAddress().getHostAddress(), Instant.now(), null, null));
                open.add(s);
                Thread t = new Thread(() -> serve(s, number), "smtp-sink-" + port + "-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket s, int connection) {
        try (s) {
            s.setSoTimeout(300_000);
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = new BufferedOutputStream(s.getOutputStream());
            String g = greeting;
            send(out, g);
            if (!g.startsWith("220")) {
                return;
            }
            String from = null;
            List<String> to = new ArrayList<>();
            ByteArrayOutputStream chunks = new ByteArrayOutputStream();
            String line;
            while ((line = readLine(in)) != null) {
                String upper = line.toUpperCase(Locale.ROOT);
                if (upper.startsWith("EHLO") || upper.startsWith("HELO")) {
                    String name = line.substring(4).strip();
                    conns.computeIfPresent(connection, (k, c) -> new Conn(c.number(), c.peer(), c.opened(), c.ended(), name));
                }
                if (upper.startsWith("EHLO")) {
                    from = null;
                    to.clear();
                    send(out, "250-sink.test\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-ENHANCEDSTATUSCODES\r\n"
                            + (chunking ? "250-PIPELINING\r\n250-CHUNKING\r\n" : "") + "250 SIZE 33554432");
                } else if (upper.startsWith("HELO")) {
                    send(out, "250 sink.test");
                } else if (upper.startsWith("MAIL FROM:")) {
                    from = address(line.substring(10));
                    to.clear();
                    chunks.reset();
                    send(out, "250 2.1.0 Ok");
                } else if (upper.startsWith("RCPT TO:")) {
                    String rcpt = address(line.substring(8));
                    String reply = from == null ? "503 5.5.1 Error: need MAIL command" : replyTo(rcpt);
                    rcpts.add(new RcptAttempt(rcpt, reply.split("\r\n")[0], Instant.now()));
                    if (reply.startsWith("2")) {
                        to.add(rcpt);
                    }
                    send(out, reply);
                } else if (upper.equals("DATA")) {
                    if (from == null || to.isEmpty()) {
                        send(out, "554 5.5.1 Error: no valid recipients");
                        continue;
                    }
                    send(out, "354 End data with <CR><LF>.<CR><LF>");
                    StringBuilder data = new StringBuilder();
                    String d;
                    while ((d = readLine(in)) != null && !d.equals(".")) {
                        data.append(d.startsWith(".") ? d.substring(1) : d).append('\n');
                    }
                    if (d == null) {
                        return; // connection lost in DATA: nothing accepted
                    }
                    received.add(new Received(from, List.copyOf(to), data.toString(), Instant.now(), connection, false));
                    send(out, "250 2.0.0 Ok: queued as SINK" + received.size());
                    from = null;
                    to.clear();
                } else if (chunking && upper.startsWith("BDAT ")) {
                    String[] a = line.substring(5).trim().split(" +");
                    int size = Integer.parseInt(a[0]);
                    boolean last = a.length > 1 && a[1].equalsIgnoreCase("LAST");
                    byte[] octets = in.readNBytes(size);
                    if (octets.length < size) {
                        return; // connection lost in a chunk: nothing accepted
                    }
                    chunks.write(octets);
                    if (from == null || to.isEmpty()) {
                        send(out, "554 5.5.1 Error: no valid recipients");
                        chunks.reset();
                        continue;
                    }
                    if (!last) {
                        send(out, "250 2.0.0 " + size + " octets received");
                        continue;
                    }
                    String data = chunks.toString(StandardCharsets.ISO_8859_1).replace("\r\n", "\n");
                    chunks.reset();
                    received.add(new Received(from, List.copyOf(to), data, Instant.now(), connection, true));
                    send(out, "250 2.0.0 Ok: queued as SINK" + received.size());
                    from = null;
                    to.clear();
                } else if (upper.equals("RSET")) {
                    from = null;
                    to.clear();
                    chunks.reset();
                    send(out, "250 2.0.0 Ok");
                } else if (upper.startsWith("NOOP")) {
                    send(out, "250 2.0.0 Ok");
                } else if (upper.equals("QUIT")) {
                    ended(connection);
                    send(out, "221 2.0.0 Bye");
                    return;
                } else {
                    send(out, "502 5.5.2 Error: command not recognized");
                }
            }
        } catch (IOException e) {
            // the client went away
        } finally {
            ended(connection);
            open.remove(s);
        }
    }

    private void ended(int connection) {
        conns.computeIfPresent(connection, (k, c) -> c.ended() != null ? c
                : new Conn(c.number(), c.peer(), c.opened(), Instant.now(), c.helo()));
    }

    /** The connection of {@code number} (see {@link Received#connection()}), or null. */
    Conn connection(int number) {
        return conns.get(number);
    }

    /** The address inside the first &lt;...&gt; of a MAIL/RCPT argument ("" for &lt;&gt;). */
    private static String address(String arg) {
        int lt = arg.indexOf('<');
        int gt = arg.indexOf('>', lt + 1);
        if (lt < 0 || gt < 0) {
            return arg.trim().split(" ")[0];
        }
        return arg.substring(lt + 1, gt);
    }

    /** One line without its CRLF (or LF), ISO-8859-1 so every octet survives; null at EOF. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(128);
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                byte[] a = b.toByteArray();
                int n = a.length > 0 && a[a.length - 1] == '\r' ? a.length - 1 : a.length;
                return new String(a, 0, n, StandardCharsets.ISO_8859_1);
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }

    private static void send(OutputStream out, String reply) throws IOException {
        out.write((reply + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }
}
