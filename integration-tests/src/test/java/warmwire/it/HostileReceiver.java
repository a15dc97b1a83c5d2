package warmwire.it;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * NAME
 *   HostileReceiver - a receiving MTA on loopback that misbehaves the way real ones on the
 *   internet do, one way per {@link Mode}.
 * DESCRIPTION
 *   Blocking sockets, one thread per connection, in the test JVM; routed to by {@link Mesh}
 *   (one domain and port per mode). It records what the client did to it: connections, how
 *   long each lasted, message bodies it took, and whether the client sent anything after an
 *   injection.
 *     HUGE       RCPT answered 550 with a reply of 100 lines of 600 bytes (within the client's
 *                limits, 60 KB a recipient), and, for recipients named {@code line*}, with one
 *                line of 1 MiB (past them)
 *     FLOOD      after the EHLO reply, "250 flood" lines without end
 *     DATA_250   DATA answered "250 2.0.0 Ok" (no 354): nothing may count as delivered
 *     INJECT     STARTTLS offered; its 220 comes with a partial line behind it in one write
 *     TRICKLE    MAIL, RCPT and DATA replies one byte a second
 */
final class HostileReceiver implements AutoCloseable {
    enum Mode { HUGE, FLOOD, DATA_250, INJECT, TRICKLE }

    final Mode mode;
    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger bodies = new AtomicInteger();
    /** Milliseconds each finished connection lasted. */
    final CopyOnWriteArrayList<Long> durations = new CopyOnWriteArrayList<>();
    /** Bytes the client sent after the injected 220 to STARTTLS (must stay 0). */
    final AtomicInteger afterInjection = new AtomicInteger();
    private final ServerSocket server;
    private volatile boolean closed;

    HostileReceiver(Mode mode, int port) throws IOException {
        this.mode = mode;
        this.server = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::accept, "hostile-" + mode);
        t.setDaemon(true);
        t.start();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket s = server.accept();
                connections.incrementAndGet();
                Thread t = new Thread(() -> serve(s), "hostile-" + mode + "-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        long t0 = System.nanoTime();
        try (s) {
            s.setSoTimeout(600_000);
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            send(out, "220 hostile.test ESMTP " + mode, false);
            String line;
            while ((line = readLine(in)) != null) {
                String verb = line.length() >= 4 ? line.substring(0, 4).toUpperCase(Locale.ROOT) : line.toUpperCase(Locale.ROOT);
                switch (verb) {
                    case "EHLO" -> {
                        send(out, "250-hostile.test\r\n250-PIPELINING\r\n" + (mode == Mode.INJECT ? "250-STARTTLS\r\n" : "")
                                + "250 8BITMIME", false);
                        if (mode == Mode.FLOOD) {
                            byte[] flood = "250 flood\r\n".repeat(1000).getBytes(StandardCharsets.US_ASCII);
                            while (true) {
                                out.write(flood); // until the client hangs up
                            }
                        }
                    }
                    case "HELO" -> send(out, "250 hostile.test", false);
                    case "STAR" -> {
                        out.write("220 2.0.0 Ready to start TLS\r\n250 2.0.0 inj".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        int b;
                        while ((b = in.read()) >= 0) {
                            afterInjection.incrementAndGet();
                        }
                        return;
                    }
                    case "MAIL" -> send(out, "250 2.1.0 Ok", mode == Mode.TRICKLE);
                    case "RCPT" -> {
                        if (mode == Mode.HUGE) {
                            String addr = line.substring(line.indexOf('<') + 1);
                            if (addr.startsWith("line")) {
                                send(out, "550 5.1.1 " + "L".repeat(1 << 20), false);
                            } else {
                                StringBuilder b = new StringBuilder();
                                for (int i = 0; i < 99; i++) {
                                    b.append("550-5.1.1 ").append("h".repeat(590)).append("\r\n");
                                }
                                send(out, b.append("550 5.1.1 no such user, at length").toString(), false);
                            }
                        } else {
                            send(out, "250 2.1.5 Ok", mode == Mode.TRICKLE);
                        }
                    }
                    case "DATA" -> {
                        if (mode == Mode.DATA_250) {
                            send(out, "250 2.0.0 Ok", false);
                            break;
                        }
                        send(out, "354 go ahead", mode == Mode.TRICKLE);
                        ByteArrayOutputStream body = new ByteArrayOutputStream();
                        String l;
                        while ((l = readLine(in)) != null && !l.equals(".")) {
                            body.write(l.getBytes(StandardCharsets.UTF_8));
                        }
                        bodies.incrementAndGet();
                        send(out, "250 2.0.0 Ok: queued", mode == Mode.TRICKLE);
                    }
                    case "RSET" -> send(out, "250 2.0.0 Ok", false);
                    case "QUIT" -> {
                        send(out, "221 2.0.0 Bye", false);
                        return;
                    }
                    default -> {
                        if (mode == Mode.DATA_250 && line.equals(".")) {
                            bodies.incrementAndGet(); // a body went after all: the test fails on it
                        }
                        send(out, "502 5.5.2 not recognized", false);
                    }
                }
            }
        } catch (IOException | InterruptedException e) {
            // the client hung up (that is what a hostile peer should get)
        } finally {
            durations.add((System.nanoTime() - t0) / 1_000_000);
        }
    }

    private static void send(OutputStream out, String reply, boolean trickle) throws IOException, InterruptedException {
        byte[] b = (reply + "\r\n").getBytes(StandardCharsets.US_ASCII);
        if (!trickle) {
            out.write(b);
            out.flush();
            return;
        }
        for (byte x : b) {
            out.write(x);
            out.flush();
            Thread.sleep(1000);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                String s = b.toString(StandardCharsets.UTF_8);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
    }
}
