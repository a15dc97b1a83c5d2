package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Several messages to one site travel on one TLS connection: counted at the real Postfix
 * receiver (new "connect from" and "TLS connection established" lines) and in the events'
 * connectionUse (consecutive on the same connection).
 */
class ConnectionReuseIT {
    private final Mesh mesh = Mesh.get();

    static int count(String log, String needle) {
        int n = 0;
        for (int i = log.indexOf(needle); i >= 0; i = log.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    /** New TCP connections to the peer's TLS listener in this piece of log. */
    static int connects(String log) {
        return count(log, "tls-127.0.0.1/smtpd[") == 0 ? 0
                : (int) log.lines().filter(l -> l.contains("/tls-127.0.0.1/smtpd[") && l.contains(": connect from ")).count();
    }

    static int handshakes(String log) {
        return (int) log.lines().filter(l -> l.contains("/tls-127.0.0.1/smtpd[") && l.contains("TLS connection established from"))
                .count();
    }

    @Test
    void sequentialMessagesShareOneTlsConnection() throws Exception {
        int offset = mesh.peerLog().length();
        List<Integer> uses = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Mail mail = new Mail("sender@warmwire.test", "reuse" + i + "@tls.test");
            mesh.submit(mail.id, mail.json());
            JsonNode e = mesh.events.awaitEvents(mail.id, 1, Duration.ofSeconds(90)).get(0);
            assertEquals("delivered", e.path("status").asText(), e.toString());
            assertTrue(e.path("tls").path("version").asText().startsWith("TLSv1."), e.toString());
            uses.add(e.path("connectionUse").asInt());
        }
        String log = mesh.peerLogSince(offset);
        System.out.println("ConnectionReuseIT: connectionUse " + uses + ", receiver saw " + connects(log)
                + " connect(s) and " + handshakes(log) + " TLS handshake(s) for 5 messages");
        for (int i = 1; i < uses.size(); i++) {
            assertEquals(uses.get(i - 1) + 1, uses.get(i), "consecutive uses of one connection: " + uses);
        }
        // at most one new connection (none when an earlier test left one warm)
        assertTrue(connects(log) <= 1, "new connections at the receiver: " + connects(log) + "\n" + log);
        assertTrue(handshakes(log) <= 1, "TLS handshakes at the receiver: " + handshakes(log));
        assertEquals(uses.get(0) == 1 ? 1 : 0, connects(log), "a fresh connection shows as connectionUse 1");
    }

    @Test
    void aBurstUsesFewConnections() throws Exception {
        int offset = mesh.peerLog().length();
        List<Mail> mails = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Mail mail = new Mail("sender@warmwire.test", "burst" + i + "@tls.test");
            mails.add(mail);
            mesh.submit(mail.id, mail.json());
        }
        for (Mail m : mails) {
            JsonNode e = mesh.events.awaitEvents(m.id, 1, Duration.ofSeconds(90)).get(0);
            assertEquals("delivered", e.path("status").asText(), e.toString());
        }
        String log = mesh.peerLogSince(offset);
        Matcher m = Pattern.compile("commands=(\\d+)").matcher(log);
        System.out.println("ConnectionReuseIT: 20 messages at once, receiver saw " + connects(log) + " new connection(s), "
                + handshakes(log) + " TLS handshake(s)");
        assertTrue(connects(log) <= 2, "20 messages, new connections at the receiver: " + connects(log));
        assertTrue(handshakes(log) <= 2, "TLS handshakes: " + handshakes(log));
    }
}
