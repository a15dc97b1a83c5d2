package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * NAME
 *   RateIT - a site's message rate, as the receiver sees it over a minute.
 * DESCRIPTION
 *   Issue 15, "Rates". rate.test is routed to this JVM's {@link SmtpSink} (rate.mx.test) with
 *   {@code message-rate=2} (Mesh.java: warmwire.session.site."rate.mx.test".message-rate), burst
 *   1. 130 messages are submitted at once; the sink's arrival times over the minute after the
 *   first arrival give the observed rate, which must be within 10 % of 2 a second. A message
 *   to another site (sink.test) submitted while they wait is delivered within seconds: the
 *   limited site holds no other site back.
 */
class RateIT {
    static final String MX = "rate.mx.test";
    static final int RATE = 2;
    private final Mesh mesh = Mesh.get();

    @Test
    void theReceiverSeesTheConfiguredRateOverAMinute() throws Exception {
        SmtpSink sink = SmtpSink.shared(Mesh.SINK_PORT);
        String u = UUID.randomUUID().toString().substring(0, 8);
        mesh.deliverOneTo("warm-" + u + "@rate.test"); // its site alive before it is measured
        Thread.sleep(1000); // the token the warm-up took is back

        List<String> rcpts = new ArrayList<>();
        List<Mail> mails = new ArrayList<>();
        for (int i = 0; i < 130; i++) {
            String rcpt = "r" + i + "-" + u + "@rate.test";
            Mail m = new Mail("", rcpt);
            mesh.submit(m.id, m.json());
            rcpts.add(rcpt);
            mails.add(m);
        }
        Mail other = new Mail("", "other-" + u + "@sink.test");
        mesh.submit(other.id, other.json());
        JsonNode otherEvent = mesh.events.awaitEvents(other.id, 1, Duration.ofSeconds(20)).get(0);
        assertEquals("delivered", otherEvent.path("status").asText(), "another site is not held: " + otherEvent);

        for (Mail m : mails) {
            JsonNode e = mesh.events.awaitEvents(m.id, 1, Duration.ofSeconds(120)).get(0);
            assertEquals("delivered", e.path("status").asText(), e.toString());
        }
        List<Instant> arrivals = rcpts.stream().flatMap(r -> sink.receivedFor(r).stream()).map(SmtpSink.Received::at)
                .sorted().toList();
        assertEquals(130, arrivals.size());
        Instant first = arrivals.get(0);
        long inMinute = arrivals.stream().filter(a -> a.isBefore(first.plusSeconds(60))).count();
        double observed = inMinute / 60.0;
        System.out.printf("RateIT: %d messages in the minute after the first arrival: %.3f/s (configured %d/s)%n",
                inMinute, observed, RATE);
        assertTrue(Math.abs(observed - RATE) <= 0.1 * RATE, "observed " + inMinute + " messages in the minute after the"
                + " first (" + observed + "/s) against " + RATE + "/s");
        Instant otherAt = sink.receivedFor(other.to.get(0)).get(0).at();
        assertTrue(otherAt.isBefore(arrivals.get(arrivals.size() - 1)), "the other site's message did not wait for them");
    }
}
