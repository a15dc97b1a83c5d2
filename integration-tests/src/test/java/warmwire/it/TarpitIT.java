package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * DESIGN principle 4 over the real mesh: while a tarpit (a slow SMTP server in this JVM,
 * tarpit.test routed to it by {@link Mesh}) answers every command after two seconds and holds
 * its jobs, mail to tls.test is delivered at once.
 */
class TarpitIT {
    private static final long DELAY_MS = 2000;
    private final Mesh mesh = Mesh.get();

    @Test
    void tarpitSiteDoesNotDelayOtherSites() throws Exception {
        try (ServerSocket server = new ServerSocket(Mesh.TARPIT_PORT, 50, InetAddress.getLoopbackAddress())) {
            Thread accept = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        Thread t = new Thread(() -> serve(s), "tarpit-conn");
                        t.setDaemon(true);
                        t.start();
                    } catch (Exception e) {
                        return;
                    }
                }
            }, "tarpit-accept");
            accept.setDaemon(true);
            accept.start();

            List<Mail> slow = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Mail m = new Mail("sender@warmwire.test", "slow" + i + "@tarpit.test");
                slow.add(m);
                mesh.submit(m.id, m.json());
            }
            Thread.sleep(1000); // the tarpit jobs are queued or in their greeting now
            long t0 = System.nanoTime();
            for (int i = 0; i < 3; i++) {
                Mail fast = new Mail("sender@warmwire.test", "fast" + i + "@tls.test");
                mesh.submit(fast.id, fast.json());
                JsonNode e = mesh.events.awaitEvents(fast.id, 1, Duration.ofSeconds(10)).get(0);
                assertEquals("delivered", e.path("status").asText(), e.toString());
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.println("TarpitIT: 3 messages to tls.test took " + ms + " ms while the tarpit held its jobs");
            assertTrue(ms < 8000, "tls.test mail took " + ms + " ms");
            int slowDone = 0;
            for (Mail m : slow) {
                slowDone += mesh.events.seen(m.id).size();
            }
            assertEquals(0, slowDone, "the tarpit still holds its jobs (first reply after 2 s, ~12 s per message)");
            // the tarpit is slow, not broken: its mail is delivered too, in the end
            for (Mail m : slow) {
                JsonNode e = mesh.events.awaitEvents(m.id, 1, Duration.ofSeconds(120)).get(0);
                assertEquals("delivered", e.path("status").asText(), e.toString());
            }
        }
    }

    private static void serve(Socket s) {
        try (s) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            reply(out, "220 tarpit.test ESMTP slow");
            boolean data = false;
            String line;
            while ((line = in.readLine()) != null) {
                if (data) {
                    if (line.equals(".")) {
                        data = false;
                        reply(out, "250 2.0.0 Ok: queued slowly");
                    }
                    continue;
                }
                String verb = line.length() >= 4 ? line.substring(0, 4).toUpperCase() : line.toUpperCase();
                switch (verb) {
                    case "EHLO" -> reply(out, "250-tarpit.test\r\n250 8BITMIME");
                    case "DATA" -> {
                        reply(out, "354 go ahead");
                        data = true;
                    }
                    case "QUIT" -> {
                        reply(out, "221 2.0.0 Bye");
                        return;
                    }
                    default -> reply(out, "250 2.0.0 Ok");
                }
            }
        } catch (Exception e) {
            // connection ended
        }
    }

    private static void reply(OutputStream out, String r) throws Exception {
        Thread.sleep(DELAY_MS);
        out.write((r + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }
}
