package warmwire.session.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * NAME
 *   ScriptedSmtpServer - a small SMTP server on loopback whose answers a test scripts.
 * DESCRIPTION
 *   Blocking sockets, one thread per connection. Records every command line, each message
 *   body as received on the wire (dot-stuffed, terminator excluded), the TLS protocol and the
 *   SNI names of a STARTTLS session, and whether the client had already sent more commands
 *   when the MAIL reply was due (that is, pipelined).
 */
public final class ScriptedSmtpServer implements AutoCloseable {
    // ---- the script; set before the client connects
    public volatile String greeting = "220 test.local ESMTP scripted";
    /** Send nothing at all after accepting. */
    public volatile boolean silent;
    public volatile List<String> extensions = List.of("PIPELINING", "8BITMIME", "SIZE 10485760", "ENHANCEDSTATUSCODES");
    public volatile String ehloReply; // e.g. "502 5.5.1 no EHLO", overrides the normal one
    public volatile SSLContext tls; // non-null: STARTTLS offered and honoured
    /** Protocols the server enables for TLS; null = the JDK's defaults. */
    public volatile String[] tlsEnabledProtocols;
    public volatile Function<String, String> rcptReply = r -> "250 2.1.5 Ok";
    public volatile String dataDoneReply = "250 2.0.0 Ok: queued as 4XYZ";
    /** The reply to the last BDAT chunk; null: {@link #dataDoneReply}. Offer CHUNKING in {@link #extensions}. */
    public volatile String bdatReply;
    /** Close the connection after this many body bytes. -1 never. */
    public volatile int closeAfterBodyBytes = -1;
    /** Reply to RSET. */
    public volatile String rsetReply = "250 2.0.0 Ok";
    /** Close the connection (no reply) right after this many messages on it were answered. -1 never. */
    public volatile int closeAfterMessages = -1;
    /** Send this before closing an idle connection per closeAfterMessages (e.g. "421 4.4.2 timeout"), null = just close. */
    public volatile String closeWith;
    /** Wait this long before every reply, the greeting included (a tarpit). */
    public volatile long replyDelayMillis;
    /** Added to every reply's delay per other connection open at the time: a server that slows down with concurrency. */
    public volatile long replyDelayPerOtherConnectionMillis;
    /** Answer RCPT beyond this many in one transaction with 452 4.5.3. -1 unlimited. */
    public volatile int maxRcptPerTransaction = -1;
    /** Reply to DATA; anything but 354 reads no body (a hostile server's 250 to DATA). */
    public volatile String dataReply = "354 End data with <CR><LF>.<CR><LF>";
    /** Reply to MAIL given how many messages this connection carried so far; null = 250. */
    public volatile java.util.function.IntFunction<String> mailReply = n -> null;
    /** Reply to EHLO replaced by these raw bytes (a huge or malformed reply), null = normal. */
    public volatile byte[] rawEhloReply;
    /** After the EHLO reply, this many unsolicited "250 flood" lines (or until the client hangs up). */
    public volatile long floodLines;
    /** Raw bytes sent in the same write as the 220 to STARTTLS (an injection), null = none. */
    public volatile byte[] starttlsInject;
    /** Replies are sent one byte per this many milliseconds (a trickling server), 0 = at once. */
    public volatile long trickleMillis;
    /** An unsolicited reply sent right after the end-of-data reply, null = none. */
    public volatile String afterDataDone;

    // ---- what happened
    public final List<String> commands = new CopyOnWriteArrayList<>();
    public final List<byte[]> bodies = new CopyOnWriteArrayList<>();
    public final List<String> tlsProtocols = new CopyOnWriteArrayList<>();
    public final List<String> sniNames = new CopyOnWriteArrayList<>();
    public volatile boolean pipelinedMail;
    /** MAIL arrived in the same read as RSET (pipelined reuse). */
    public volatile boolean pipelinedRset;
    public volatile int connections;
    /** The client's address of each connection, in accept order. */
    public final List<String> peers = new CopyOnWriteArrayList<>();
    public final java.util.concurrent.atomic.AtomicInteger quits = new java.util.concurrent.atomic.AtomicInteger();
    public final java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();

    private final ServerSocket server;
    private final List<Socket> sockets = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean closed;

    public ScriptedSmtpServer() throws IOException {
        this(InetAddress.getLoopbackAddress());
    }

    /** A server listening on {@code address} (an IPv6 loopback, say), any free port. */
    public ScriptedSmtpServer(InetAddress address) throws IOException {
        server = new ServerSocket(0, 50, address);
        Thread t = new Thread(this::acceptLoop, "scripted-smtp-accept");
        t.setDaemon(true);
        t.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    public boolean received(String verbPrefix) {
        for (String c : commands) {
            if (c.toUpperCase(Locale.ROOT).startsWith(verbPrefix.toUpperCase(Locale.ROOT))) {
                return true;
            }
        }
        return false;
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = server.accept();
                peers.add(s.getInetAddress().getHostAddress());
                connections++;
                sockets.add(s);
                Thread t = new Thread(() -> serve(s), "scripted-smtp-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        open.incrementAndGet();
        try (s) {
            if (silent) {
                s.getInputStream().read(); // hold the connection open until the client gives up
                return;
            }
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            Socket sock = s;
            send(out, greeting);
            if (!greeting.startsWith("220")) {
                // keep answering so the client can QUIT
            }
            boolean mailOk = false;
            ByteArrayOutputStream chunks = new ByteArrayOutputStream();
            int accepted = 0;
            int rcpts = 0;
            int messages = 0;
            while (true) {
                String line = readLine(in);
                if (line == null) {
                    return;
                }
                commands.add(line);
                String verb = line.length() >= 4 ? line.substring(0, 4).toUpperCase(Locale.ROOT) : line.toUpperCase(Locale.ROOT);
                switch (verb) {
                    case "EHLO" -> {
                        if (rawEhloReply != null) {
                            out.write(rawEhloReply);
                            out.flush();
                            break;
                        }
                        if (ehloReply != null) {
                            send(out, ehloReply);
                            break;
                        }
                        List<String> ext = new ArrayList<>(extensions);
                        if (tls != null && !(sock instanceof SSLSocket)) {
                            ext.add("STARTTLS");
                        }
                        StringBuilder b = new StringBuilder();
                        b.append(ext.isEmpty() ? "250 " : "250-").append("test.local hello\r\n");
                        for (int i = 0; i < ext.size(); i++) {
                            b.append(i == ext.size() - 1 ? "250 " : "250-").append(ext.get(i)).append("\r\n");
                        }
                        send(out, b.substring(0, b.length() - 2));
                        byte[] flood = "250 flood\r\n".getBytes(StandardCharsets.US_ASCII);
                        for (long i = 0; i < floodLines; i++) {
                            out.write(flood);
                        }
                        out.flush();
                    }
                    case "HELO" -> send(out, "250 test.local");
                    case "STAR" -> {
                        if (tls == null || sock instanceof SSLSocket) {
                            send(out, "502 5.5.1 no STARTTLS here");
                            break;
                        }
                        if (starttlsInject != null) {
                            byte[] r = "220 2.0.0 Ready to start TLS\r\n".getBytes(StandardCharsets.US_ASCII);
                            byte[] both = java.util.Arrays.copyOf(r, r.length + starttlsInject.length);
                            System.arraycopy(starttlsInject, 0, both, r.length, starttlsInject.length);
                            out.write(both);
                            out.flush();
                        } else {
                            send(out, "220 2.0.0 Ready to start TLS");
                        }
                        SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(sock, null, sock.getPort(), false);
                        ssl.setUseClientMode(false);
                        if (tlsEnabledProtocols != null) {
                            ssl.setEnabledProtocols(tlsEnabledProtocols);
                        }
                        ssl.startHandshake();
                        tlsProtocols.add(ssl.getSession().getProtocol());
                        if (ssl.getSession() instanceof ExtendedSSLSession ex) {
                            for (SNIServerName n : ex.getRequestedServerNames()) {
                                if (n instanceof SNIHostName h) {
                                    sniNames.add(h.getAsciiName());
                                }
                            }
                        }
                        sock = ssl;
                        in = new BufferedInputStream(ssl.getInputStream());
                        out = ssl.getOutputStream();
                        mailOk = false;
                    }
                    case "MAIL" -> {
                        Thread.sleep(150);
                        if (in.available() > 0) {
                            pipelinedMail = true;
                        }
                        String mr = mailReply.apply(messages);
                        mailOk = mr == null;
                        accepted = 0;
                        rcpts = 0;
                        send(out, mr == null ? "250 2.1.0 Ok" : mr);
                    }
                    case "RCPT" -> {
                        if (!mailOk) {
                            send(out, "503 5.5.1 need MAIL");
                            break;
                        }
                        String addr = line.substring(line.indexOf('<') + 1, line.lastIndexOf('>'));
                        rcpts++;
                        String r = maxRcptPerTransaction >= 0 && rcpts > maxRcptPerTransaction
                                ? "452 4.5.3 Error: too many recipients" : rcptReply.apply(addr);
                        if (r.startsWith("2")) {
                            accepted++;
                        }
                        send(out, r);
                    }
                    case "DATA" -> {
                        if (accepted == 0) {
                            send(out, "554 5.5.1 no valid recipients");
                            break;
                        }
                        String dr = dataReply;
                        send(out, dr);
                        if (!dr.startsWith("354")) {
                            mailOk = false;
                            break;
                        }
                        ByteArrayOutputStream body = new ByteArrayOutputStream();
                        while (true) {
                            byte[] l = readRaw(in);
                            if (l == null) {
                                return;
                            }
                            if (l.length == 3 && l[0] == '.' && l[1] == '\r' && l[2] == '\n') {
                                break;
                            }
                            body.write(l);
                            if (closeAfterBodyBytes >= 0 && body.size() >= closeAfterBodyBytes) {
                                sock.close();
                                return;
                            }
                        }
                        bodies.add(body.toByteArray());
                        send(out, dataDoneReply);
                        if (afterDataDone != null) {
                            send(out, afterDataDone);
                        }
                        mailOk = false;
                        messages++;
                        if (closeAfterMessages >= 0 && messages >= closeAfterMessages) {
                            Thread.sleep(50);
                            if (closeWith != null) {
                                send(out, closeWith);
                            }
                            sock.close();
                            return;
                        }
                    }
                    case "BDAT" -> {
                        // RFC 3030: "BDAT <size> [LAST]", then exactly <size> octets
                        String[] w = line.trim().split("\\s+");
                        int size = Integer.parseInt(w[1]);
                        boolean last = w.length > 2 && w[2].equalsIgnoreCase("LAST");
                        byte[] chunk = in.readNBytes(size);
                        if (chunk.length < size) {
                            return;
                        }
                        if (!mailOk) {
                            send(out, "503 5.5.1 need MAIL");
                            break;
                        }
                        if (accepted == 0) {
                            send(out, "554 5.5.1 no valid recipients");
                            mailOk = false;
                            break;
                        }
                        chunks.write(chunk);
                        if (!last) {
                            send(out, "250 2.0.0 " + size + " octets received");
                            break;
                        }
                        bodies.add(chunks.toByteArray());
                        chunks.reset();
                        send(out, bdatReply != null ? bdatReply : dataDoneReply);
                        mailOk = false;
                        messages++;
                    }
                    case "RSET" -> {
                        Thread.sleep(100);
                        if (in.available() > 0) {
                            pipelinedRset = true;
                        }
                        mailOk = false;
                        String rr = rsetReply;
                        send(out, rr);
                        if (rr.startsWith("421")) {
                            sock.close();
                            return;
                        }
                    }
                    case "QUIT" -> {
                        quits.incrementAndGet();
                        send(out, "221 2.0.0 Bye");
                        return;
                    }
                    default -> send(out, "502 5.5.2 Error: command not recognized");
                }
            }
        } catch (Exception e) {
            // connection ended; the test looks at what was recorded
        } finally {
            open.decrementAndGet();
        }
    }

    private void send(OutputStream out, String reply) throws IOException {
        long d = replyDelayMillis + replyDelayPerOtherConnectionMillis * Math.max(0, open.get() - 1);
        if (d > 0) {
            try {
                Thread.sleep(d);
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
        }
        byte[] bytes = (reply + "\r\n").getBytes(StandardCharsets.UTF_8);
        long t = trickleMillis;
        if (t <= 0) {
            out.write(bytes);
            out.flush();
            return;
        }
        for (byte b : bytes) {
            out.write(b);
            out.flush();
            try {
                Thread.sleep(t);
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
        }
    }

    /** A line including its CR LF, bytes as received; null at end of stream. */
    private static byte[] readRaw(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            b.write(c);
            if (c == '\n') {
                return b.toByteArray();
            }
        }
        return b.size() == 0 ? null : b.toByteArray();
    }

    private static String readLine(InputStream in) throws IOException {
        byte[] raw = readRaw(in);
        if (raw == null) {
            return null;
        }
        String s = new String(raw, StandardCharsets.UTF_8);
        return s.replaceAll("\r?\n$", "");
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        synchronized (sockets) {
            for (Socket s : sockets) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }
}
