package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import warmwire.testing.Poll;

/**
 * A record on mail.submit reaches the real Postfix receiver over STARTTLS and comes back as a
 * {@code delivered} event carrying the TLS version and cipher; the queue index in Infinispan
 * knows the message, behind the admin token.
 */
class DeliveredOverTlsIT {
    private final Mesh mesh = Mesh.get();

    @Test
    void deliveredOverTlsWithEventAndReceiverEvidence() throws Exception {
        Mail mail = new Mail("sender@warmwire.test", "alice@tls.test", "bob@tls.test");
        mesh.submit(mail.id, mail.json());

        List<JsonNode> events = mesh.events.awaitEvents(mail.id, 2, Duration.ofSeconds(90));
        for (JsonNode e : events) {
            assertEquals("delivered", e.path("status").asText(), e.toString());
            assertEquals(250, e.path("smtp").path("code").asInt(), e.toString());
            assertTrue(e.path("tls").path("version").asText().startsWith("TLSv1."), e.toString());
            assertFalse(e.path("tls").path("cipher").asText().isEmpty(), e.toString());
            assertTrue(e.path("relay").asText().endsWith("[127.0.0.1]:" + Mesh.PEER_TLS_PORT), e.toString());
            assertTrue(e.path("connectionUse").asInt() >= 1, e.toString()); // warm connections count up
            assertEquals(1, e.path("attempt").asInt());
        }
        assertEquals(List.of("alice@tls.test", "bob@tls.test"),
                events.stream().map(e -> e.path("recipient").asText()).sorted().toList());

        // At the receiver: the message (by its Message-ID) was accepted for both recipients,
        // and the session that carried it was TLS.
        String log = awaitInLog("message-id=<" + mail.messageId + ">");
        Matcher qid = Pattern.compile("([0-9A-Za-z]{6,}): message-id=<" + Pattern.quote(mail.messageId) + ">").matcher(log);
        assertTrue(qid.find(), "queue id of our message in the peer log");
        String queueId = qid.group(1);
        assertTrue(Pattern.compile(queueId + ": to=<alice@tls.test>.*status=sent").matcher(awaitInLog(queueId + ": to=<bob@tls.test>")).find());
        assertTrue(log.contains("TLS connection established from"), "a TLS handshake logged by the receiver");

        // The queue index (Infinispan) answers for the message, and the admin API authenticates.
        assertEquals(401, mesh.admin("/admin/v1/messages/" + mail.id, null).statusCode());
        assertEquals(401, mesh.admin("/admin/v1/messages/" + mail.id, "wrong").statusCode());
        // index writes are asynchronous: ask until both recipients show delivered
        JsonNode state = Poll.until(Duration.ofSeconds(10), Duration.ofMillis(200), () -> {
            var r = mesh.admin("/admin/v1/messages/" + mail.id, Mesh.ADMIN_TOKEN);
            return r.statusCode() == 200 ? mesh.parse(r.body()) : null;
        }, st -> st != null && "delivered".equals(st.path("state").path("bob@tls.test").path("status").asText())
                && "delivered".equals(st.path("state").path("alice@tls.test").path("status").asText()),
                st -> "admin query of " + mail.id + ": " + st);
        assertEquals("delivered", state.path("state").path("alice@tls.test").path("status").asText(), state.toString());
        var missing = mesh.admin("/admin/v1/messages/no-such-id", Mesh.ADMIN_TOKEN);
        assertEquals(404, missing.statusCode());
        assertTrue(missing.body().contains("unknown message id"), missing.body());
        // the admin API is documented (OpenAPI, served without credentials, naming the bearer scheme)
        var openapi = mesh.admin("/q/openapi", null);
        assertEquals(200, openapi.statusCode());
        assertTrue(openapi.body().contains("/admin/v1/messages/{id}") && openapi.body().contains("bearer"), openapi.body());
    }

    @Test
    void verifyLevelChecksTheCertificateAgainstTheTrustFile() throws Exception {
        // mesh.sh trusts the peer's CA; the route names 127.0.0.1, which the certificate carries as an IP SAN
        Mail mail = new Mail("sender@warmwire.test", "verified@tls.test").tls("verify");
        mesh.submit(mail.id, mail.json());
        JsonNode e = mesh.events.awaitEvents(mail.id, 1, Duration.ofSeconds(90)).get(0);
        assertEquals("delivered", e.path("status").asText(), e.toString());
        assertTrue(e.path("tls").path("verified").asBoolean(), e.toString());
        assertTrue(e.path("site").asText().endsWith("/verify"), "verify mail gets its own site: " + e);
    }

    private String awaitInLog(String needle) throws Exception {
        return Poll.until(Duration.ofSeconds(20), Duration.ofMillis(200), mesh::peerLog, log -> log.contains(needle),
                log -> "not in the peer log: " + needle);
    }
}
