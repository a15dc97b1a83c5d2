package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Routing through real DNS (a dnsmasq on loopback, see {@link Mesh}): MX then A, MX preference
 * order with fallback to the next MX, and the permanent/temporary split of DNS failures.
 */
class DnsRoutingIT {
    private final Mesh mesh = Mesh.get();

    @Test
    void mxLookupRoutesToTheExchange() throws Exception {
        Mail mail = new Mail("sender@warmwire.test", "alice@mx.test");
        mesh.submit(mail.id, mail.json());
        JsonNode e = mesh.events.awaitEvents(mail.id, 1, Duration.ofSeconds(90)).get(0);
        assertEquals("delivered", e.path("status").asText(), e.toString());
        assertEquals("mail.mx.test[127.0.0.1]:" + Mesh.PEER_TLS_PORT, e.path("relay").asText(), e.toString());
        assertEquals("mail.mx.test:" + Mesh.PEER_TLS_PORT + "/may", e.path("site").asText(), e.toString());
        assertTrue(e.path("tls").path("version").asText().startsWith("TLSv1."), e.toString());
    }

    @Test
    void unreachableFirstMxFallsBackToTheNext() throws Exception {
        Mail mail = new Mail("sender@warmwire.test", "bob@fallback.test");
        mesh.submit(mail.id, mail.json());
        JsonNode e = mesh.events.awaitEvents(mail.id, 1, Duration.ofSeconds(90)).get(0);
        assertEquals("delivered", e.path("status").asText(), e.toString());
        assertEquals("mail.mx.test[127.0.0.1]:" + Mesh.PEER_TLS_PORT, e.path("relay").asText(), e.toString());
        assertEquals("dead.mx.test,mail.mx.test:" + Mesh.PEER_TLS_PORT + "/may", e.path("site").asText());
    }

    @Test
    void dnsFailuresBounceOrDefer() throws Exception {
        Mail mail = new Mail("sender@warmwire.test", "x@nxdomain.test", "y@nohost.test", "z@timeout.test",
                "ok@mx.test");
        mesh.submit(mail.id, mail.json());
        List<JsonNode> events = mesh.events.awaitEvents(mail.id, 4, Duration.ofSeconds(120));
        Map<String, JsonNode> by = events.stream().collect(Collectors.toMap(e -> e.path("recipient").asText(), e -> e));

        JsonNode nx = by.get("x@nxdomain.test");
        assertEquals("bounced", nx.path("status").asText(), nx.toString());
        assertEquals("5.1.2", nx.path("dsn").asText(), nx.toString());
        assertTrue(nx.path("smtp").isMissingNode(), "no server spoke: " + nx);
        assertEquals("none", nx.path("relay").asText());

        JsonNode nohost = by.get("y@nohost.test");
        assertEquals("bounced", nohost.path("status").asText(), nohost.toString());

        JsonNode timeout = by.get("z@timeout.test");
        assertEquals("deferred", timeout.path("status").asText(), timeout.toString());
        assertEquals("4.4.3", timeout.path("dsn").asText(), timeout.toString());
        assertFalse(timeout.path("reason").asText().isEmpty());

        assertEquals("delivered", by.get("ok@mx.test").path("status").asText(), by.toString());
    }
}
