package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * NAME
 *   ReplyClassesIT - every recipient not delivered has a class in its event, from what the
 *   receiver said or what went wrong before it could say anything.
 * DESCRIPTION
 *   Issue 15, "Bounce and deferral classes", over the real mesh with the shipped rules
 *   (contracts' reply-classes.txt). One message to seven recipients: five at this JVM's
 *   {@link SmtpSink} (sink.test), each refused at RCPT with a reply of its own, one at a domain
 *   whose MX host does not exist in DNS (nohost.test), one delivered. Each event's
 *   {@code class}: bad-mailbox, mailbox-full, reputation (Gmail's 4.7.28, answered with 450 here), policy (DMARC),
 *   content (spam), dns; the delivered recipient has none.
 */
class ReplyClassesIT {
    private final Mesh mesh = Mesh.get();

    @Test
    void eachRefusalHasItsClass() throws Exception {
        SmtpSink sink = SmtpSink.shared(Mesh.SINK_PORT);
        String u = UUID.randomUUID().toString();
        mesh.deliverOneTo("warm-" + u + "@sink.test"); // its site alive before it is measured
        Map<String, String> expected = new HashMap<>();
        String[][] cases = {
                {"nouser", "550 5.1.1 The email account that you tried to reach does not exist", "bad-mailbox"},
                {"full", "452 4.2.2 The email account that you tried to reach is over quota", "mailbox-full"},
                {"rate", "450 4.7.28 Our system has detected an unusual rate of unsolicited mail", "reputation"},
                {"dmarc", "550 5.7.26 Unauthenticated email is not accepted due to the domain's DMARC policy", "policy"},
                {"spam", "554 5.7.1 Message rejected as spam", "content"},
        };
        for (String[] c : cases) {
            String rcpt = c[0] + "-" + u + "@sink.test";
            sink.reply(rcpt, c[1]);
            expected.put(rcpt, c[2]);
        }
        expected.put("x-" + u + "@nohost.test", "dns");
        String ok = "ok-" + u + "@sink.test";
        expected.put(ok, null);
        Mail mail = new Mail("", expected.keySet().toArray(String[]::new)); // null sender: no DSN
        mesh.submit(mail.id, mail.json());

        List<JsonNode> events = mesh.events.awaitEvents(e -> mail.id.equals(e.path("id").asText())
                && e.path("attempt").asInt() <= 1, expected.size(), Duration.ofSeconds(60));
        assertEquals(expected.size(), events.size(), events.toString());
        assertEquals(expected.size(), events.stream().map(e -> e.path("recipient").asText()).distinct().count(),
                "one first-attempt event per recipient: " + events);
        for (JsonNode e : events) {
            String rcpt = e.path("recipient").asText();
            assertTrue(expected.containsKey(rcpt), e.toString());
            String want = expected.get(rcpt);
            if (want == null) {
                assertEquals("delivered", e.path("status").asText(), e.toString());
                assertTrue(e.path("class").isMissingNode(), "a delivered recipient has no class: " + e);
            } else {
                assertEquals(want, e.path("class").asText(), e.toString());
            }
        }
    }
}
