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
 * Private-address MX: the IT mesh allows 127.0.0.0/8 (warmwire.dns.allow-private), and the DNS
 * peer points these test domains at private (10/8), link-local, multicast and IPv6 loopback
 * addresses outside it. Each such recipient is bounced with its reason while tls.test mail in
 * the same message is delivered on time, and a forbidden best MX
 * is skipped for the allowed one.
 */
class PrivateAddressIT {
    private final Mesh mesh = Mesh.get();

    @Test
    void nonPublicMxAddressesBounceBesideHealthyDelivery() throws Exception {
        Mail mail = new Mail("sender@warmwire.test", "a@private.test", "b@linklocal.test", "c@mcast.test",
                "d@v6loop.test", "e@mixed.test", "ok@tls.test");
        long t0 = System.nanoTime();
        mesh.submit(mail.id, mail.json());
        List<JsonNode> events = mesh.events.awaitEvents(mail.id, 6, Duration.ofSeconds(120));
        Map<String, JsonNode> by = events.stream().collect(Collectors.toMap(e -> e.path("recipient").asText(), e -> e,
                (x, y) -> x));

        JsonNode ok = by.get("ok@tls.test");
        assertEquals("delivered", ok.path("status").asText(), ok.toString());
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(60).toNanos(), "healthy mail delayed");
        // the private best MX is skipped, the allowed second one is asked (the Postfix peer does not
        // take mail for mixed.test and answers 554 itself: the point is that it, not 10.0.0.25, was tried)
        JsonNode mixed = by.get("e@mixed.test");
        assertEquals("mail.mx.test[127.0.0.1]:" + Mesh.PEER_TLS_PORT, mixed.path("relay").asText(), mixed.toString());
        assertEquals("inner.mixed.test,mail.mx.test:" + Mesh.PEER_TLS_PORT + "/may", mixed.path("site").asText());
        assertTrue(mixed.path("smtp").path("code").asInt() > 0, "a server answered: " + mixed);

        for (String[] c : new String[][] {{"a@private.test", "5.4.4", "mx.private.test[10.255.255.1] (private)"},
                {"b@linklocal.test", "5.4.4", "(link-local)"}, {"c@mcast.test", "5.4.4", "(multicast)"},
                {"d@v6loop.test", "5.4.6", "loops back to myself"}}) {
            JsonNode e = by.get(c[0]);
            assertEquals("bounced", e.path("status").asText(), e.toString());
            assertEquals(c[1], e.path("dsn").asText(), e.toString());
            assertTrue(e.path("reason").asText().contains(c[2]), e.toString());
            assertEquals("none", e.path("relay").asText(), "never connected: " + e);
        }
    }
}
