package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The receiver's replies decide each recipient: 5xx bounces, 4xx defers, 2xx delivers - all in
 * one transaction, each recipient with its own reply.
 */
class ReceiverRepliesIT {
    private final Mesh mesh = Mesh.get();

    @Test
    void eachRecipientGetsItsOwnOutcome() throws Exception {
        Mail mail = new Mail("sender@warmwire.test", "ok@tls.test", "bounce@tls.test", "defer@tls.test");
        mesh.submit(mail.id, mail.json());
        List<JsonNode> events = mesh.events.awaitEvents(mail.id, 3, Duration.ofSeconds(90));
        Map<String, JsonNode> by = events.stream().collect(Collectors.toMap(e -> e.path("recipient").asText(), e -> e));

        assertEquals("delivered", by.get("ok@tls.test").path("status").asText(), by.toString());

        JsonNode bounced = by.get("bounce@tls.test");
        assertEquals("bounced", bounced.path("status").asText(), bounced.toString());
        assertEquals(550, bounced.path("smtp").path("code").asInt(), bounced.toString());
        assertEquals("5.1.1", bounced.path("smtp").path("enhanced").asText(), bounced.toString());
        assertTrue(bounced.path("reason").asText().length() > 0, bounced.toString());

        JsonNode deferred = by.get("defer@tls.test");
        assertEquals("deferred", deferred.path("status").asText(), deferred.toString());
        assertEquals(4, deferred.path("smtp").path("code").asInt() / 100, deferred.toString());
        assertTrue(deferred.path("reason").asText().length() > 0, deferred.toString());
    }

    @Test
    void wholeMessageBouncedWhenEveryRecipientIsRejected() throws Exception {
        Mail mail = new Mail("", "bounce@tls.test");
        mesh.submit(mail.id, mail.json());
        JsonNode e = mesh.events.awaitEvents(mail.id, 1, Duration.ofSeconds(90)).get(0);
        assertEquals("bounced", e.path("status").asText(), e.toString());
        assertEquals(550, e.path("smtp").path("code").asInt(), e.toString());
    }
}
