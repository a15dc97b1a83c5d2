package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * NAME
 *   ThrottleIT - a receiver's request to slow down halves its site's limits for a while, and
 *   they come back.
 * DESCRIPTION
 *   Issue 15, "Bounce and deferral classes" (the adaptation). throttle.test is routed to this
 *   JVM's {@link SmtpSink} (throttle.mx.test) with its own limits (Mesh.java): one connection,
 *   {@link #USES} deliveries per connection; the IT mesh holds a throttle {@link #HOLD}.
 *   - before: 8 messages arrive at most 4 per connection, and some connection carries 4;
 *   - a "450 4.7.28 ... unusual rate of unsolicited mail" (Gmail's throttling reply) to one
 *     recipient: its deferred event has class reputation and says what changed (deliveries per
 *     connection 4 -> 2); GET /admin/v1/sites lists the site as throttled with that reply, and
 *     tls-session-service's warmwire_throttled_sites counts it;
 *   - during the hold: 6 messages arrive at most 2 per connection;
 *   - after it: the admin API no longer lists the site, and 8 messages go more than 2 on a
 *     connection again.
 */
class ThrottleIT {
    static final String MX = "throttle.mx.test";
    static final int USES = 4;
    static final Duration HOLD = Duration.ofSeconds(12);
    private final Mesh mesh = Mesh.get();

    private List<String> send(String prefix, String u, int n) throws Exception {
        List<String> rcpts = new ArrayList<>();
        List<Mail> mails = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String rcpt = prefix + i + "-" + u + "@throttle.test";
            Mail m = new Mail("", rcpt);
            mesh.submit(m.id, m.json());
            rcpts.add(rcpt);
            mails.add(m);
        }
        for (Mail m : mails) {
            JsonNode e = mesh.events.awaitEvents(m.id, 1, Duration.ofSeconds(60)).get(0);
            assertEquals("delivered", e.path("status").asText(), e.toString());
        }
        return rcpts;
    }

    /** How many of {@code rcpts}' messages came on each connection. */
    private static Map<Integer, Long> perConnection(SmtpSink sink, List<String> rcpts) {
        return rcpts.stream().flatMap(r -> sink.receivedFor(r).stream())
                .collect(Collectors.groupingBy(SmtpSink.Received::connection, Collectors.counting()));
    }

    private JsonNode throttledEntry() throws Exception {
        JsonNode sites = mesh.parse(mesh.admin("/admin/v1/sites", Mesh.ADMIN_TOKEN).body());
        for (JsonNode t : sites.path("throttled")) {
            if (t.path("site").asText().startsWith(MX + ":")) {
                return t;
            }
        }
        return null;
    }

    @Test
    void aThrottlingReplyHalvesTheLimitsForTheHoldThenTheyComeBack() throws Exception {
        SmtpSink sink = SmtpSink.shared(Mesh.SINK_PORT);
        String u = UUID.randomUUID().toString().substring(0, 8);
        mesh.deliverOneTo("warm-" + u + "@throttle.test"); // its site alive before it is measured

        Map<Integer, Long> before = perConnection(sink, send("a", u, 8));
        assertTrue(before.values().stream().allMatch(n -> n <= USES), "at most 4 per connection: " + before);
        assertTrue(before.values().stream().anyMatch(n -> n == USES), "some connection carries 4: " + before);

        String slow = "slow-" + u + "@throttle.test";
        sink.replyOnce(slow, "450 4.7.28 Our system has detected an unusual rate of unsolicited mail originating from"
                + " your IP address");
        Mail m = new Mail("", slow);
        mesh.submit(m.id, m.json());
        Instant throttledAt = Instant.now();
        JsonNode deferred = mesh.events.awaitEvents(m.id, 1, Duration.ofSeconds(60)).get(0);
        assertEquals("deferred", deferred.path("status").asText(), deferred.toString());
        assertEquals("reputation", deferred.path("class").asText(), deferred.toString());
        String reason = deferred.path("reason").asText();
        assertTrue(reason.contains("throttled") && reason.contains("deliveries per connection 4 -> 2"), reason);

        JsonNode entry = throttledEntry();
        assertTrue(entry != null, "GET /admin/v1/sites lists the throttled site");
        assertTrue(entry.path("cause").asText().contains("4.7.28"), entry.toString());
        assertEquals(2, entry.path("deliveriesPerConnection").asInt(), entry.toString());
        String metrics = mesh.http("GET", Mesh.QUEUE_PORT + 2, "/q/metrics", null, null).body();
        double throttledSites = metrics.lines().filter(l -> l.startsWith("warmwire_throttled_sites"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(0);
        assertTrue(throttledSites >= 1, "warmwire_throttled_sites counts it (other tests' sites may be throttled too): "
                + throttledSites);

        Map<Integer, Long> during = perConnection(sink, send("b", u, 6));
        assertTrue(Duration.between(throttledAt, Instant.now()).compareTo(HOLD) < 0, "measured within the hold");
        assertTrue(during.values().stream().allMatch(n -> n <= 2), "at most 2 per connection while throttled: " + during);

        Instant deadline = throttledAt.plus(HOLD).plusSeconds(30);
        while (throttledEntry() != null && Instant.now().isBefore(deadline)) {
            Thread.sleep(500);
        }
        assertEquals(null, throttledEntry(), "the throttle ended");
        Map<Integer, Long> after = perConnection(sink, send("c", u, 8));
        assertTrue(after.values().stream().allMatch(n -> n <= USES), "at most 4 per connection: " + after);
        assertTrue(after.values().stream().anyMatch(n -> n > 2), "more than 2 on a connection again: " + after);
        assertEquals(1, mesh.events.awaitEvents(e -> m.id.equals(e.path("id").asText())
                && "delivered".equals(e.path("status").asText()), 1, Duration.ofSeconds(30)).size(),
                "the throttled recipient was delivered on its retry");
    }
}
