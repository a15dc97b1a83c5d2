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
import warmwire.testing.Poll;

/**
 * The connection cache's limits close connections when they should, seen at the real Postfix
 * receiver: limits.test's site has the per-site overrides max-deliveries-per-connection=2 and
 * idle-timeout=3s (Mesh.java writes them into tls-session-service.properties). Five messages in
 * a row travel on three connections (uses 1,2 | 1,2 | 1); the first two end with QUIT right after
 * their second transaction, the third with QUIT when its idle timeout passes. Every one of them
 * says QUIT: Postfix's "disconnect from" line counts quit=1.
 */
class ConnectionLimitsIT {
    private static final Pattern CONNECT = Pattern.compile("smtpd\\[(\\d+)\\]: connect from ");

    private final Mesh mesh = Mesh.get();

    @Test
    void useLimitAndIdleTimeoutCloseConnectionsWithQuit() throws Exception {
        int offset = mesh.peerLog().length();
        List<Integer> uses = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Mail mail = new Mail("sender@warmwire.test", "limit" + i + "@limits.test");
            mesh.submit(mail.id, mail.json());
            JsonNode e = mesh.events.awaitEvents(mail.id, 1, Duration.ofSeconds(90)).get(0);
            assertEquals("delivered", e.path("status").asText(), e.toString());
            assertTrue(e.path("tls").path("version").asText().startsWith("TLSv1."), e.toString());
            uses.add(e.path("connectionUse").asInt());
        }
        assertEquals(List.of(1, 2, 1, 2, 1), uses, "max-deliveries-per-connection=" + Mesh.LIMITS_USES);

        // wait for the third connection's idle timeout, then read each new connection's end
        String log = Poll.until(Mesh.LIMITS_IDLE.plusSeconds(20), Duration.ofMillis(500), () -> mesh.peerLogSince(offset), l -> {
            List<String> e = disconnects(l);
            return e.size() >= 3 && !e.contains(null);
        }, l -> "three new connections ended at the receiver\n" + l);
        List<String> ends = disconnects(log);
        System.out.println("ConnectionLimitsIT: connectionUse " + uses + ", connections ended: " + ends);
        assertEquals(3, ends.size(), "three new connections at the receiver\n" + log);
        for (String end : ends) {
            assertTrue(end != null && end.contains("quit=1"), "closed with QUIT: " + end + "\n" + log);
        }
        assertEquals(2, ends.stream().filter(l -> l.contains(" mail=2 ")).count(), "two connections carried two transactions");
        assertEquals(1, ends.stream().filter(l -> l.contains(" mail=1 ")).count(), "the last carried one, then idled out");
    }

    /** For each connection opened in this piece of log, its smtpd "disconnect from" line (null while open). */
    static List<String> disconnects(String log) {
        List<String> lines = log.lines().toList();
        List<String> ends = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = CONNECT.matcher(lines.get(i));
            if (!m.find() || !lines.get(i).contains("/tls-127.0.0.1/")) {
                continue;
            }
            String end = null;
            for (int j = i + 1; j < lines.size() && end == null; j++) {
                if (lines.get(j).contains("smtpd[" + m.group(1) + "]: disconnect from ")) {
                    end = lines.get(j);
                }
            }
            ends.add(end);
        }
        return ends;
    }
}
