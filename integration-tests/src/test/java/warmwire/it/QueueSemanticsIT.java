package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 4's queue semantics against the real mesh (Kafka, Infinispan, Postfix peer): the IT mesh
 * runs with minimal-backoff 2s, maximal-backoff 8s, maximal-queue-lifetime 40s (Mesh.java).
 * - a recipient the receiver keeps answering 450 is retried with growing waits, expires at the
 *   queue lifetime, and the sender gets a DSN (delivered, as new mail, to the peer);
 * - a 550 recipient bounces with a DSN; the null sender never gets one;
 * - an operator suspends a site (its mail is deferred without connecting, 4.3.2), resumes it, and
 *   the waiting mail goes at once; deletes a deferred message (a 'deleted' event, no more attempts);
 * - a dead destination is not tried again until its dead-site backoff has passed;
 * - the summary answers, unknown ids get a JSON 404, no token a 401.
 */
class QueueSemanticsIT {
    private final Mesh mesh = Mesh.get();

    private List<JsonNode> eventsOf(String id, String status, int n, Duration timeout) throws InterruptedException {
        return mesh.events.awaitEvents(e -> id.equals(e.path("id").asText()) && status.equals(e.path("status").asText()), n, timeout);
    }

    private JsonNode dsnEvent(String id, Duration timeout) throws InterruptedException {
        return mesh.events.awaitEvents(e -> e.path("id").asText().startsWith(id + ".dsn."), 1, timeout).get(0);
    }

    @Test
    void deferredIsRetriedThenExpiresWithADsnToTheSender() throws Exception {
        Mail mail = new Mail("sender@tls.test", "defer@tls.test");
        mesh.submit(mail.id, mail.json());
        List<JsonNode> deferred = eventsOf(mail.id, "deferred", 3, Duration.ofSeconds(60));
        for (int i = 0; i < 3; i++) {
            assertEquals(i + 1, deferred.get(i).path("attempt").asInt(), deferred.toString());
            assertTrue(deferred.get(i).hasNonNull("nextAttemptAt"), deferred.get(i).toString());
        }
        Instant t1 = Instant.parse(deferred.get(0).path("timestamp").asText());
        Instant t2 = Instant.parse(deferred.get(1).path("timestamp").asText());
        Instant t3 = Instant.parse(deferred.get(2).path("timestamp").asText());
        assertTrue(Duration.between(t1, t2).toMillis() >= 1900, "first wait >= minimal-backoff 2s: " + deferred);
        assertTrue(Duration.between(t2, t3).toMillis() >= 3900, "second wait doubled to 4s: " + deferred);

        JsonNode expired = eventsOf(mail.id, "expired", 1, Duration.ofSeconds(90)).get(0);
        assertTrue(expired.path("reason").asText().contains("expired after"), expired.toString());
        assertEquals(1, eventsOf(mail.id, "expired", 1, Duration.ZERO).size(), "one final event");
        JsonNode dsn = dsnEvent(mail.id, Duration.ofSeconds(60));
        assertEquals("delivered", dsn.path("status").asText(), "the DSN reached the sender's MX: " + dsn);
        assertEquals("sender@tls.test", dsn.path("recipient").asText());
    }

    @Test
    void bounceGetsADsnButTheNullSenderNever() throws Exception {
        Mail mail = new Mail("sender@tls.test", "bounce@tls.test");
        mesh.submit(mail.id, mail.json());
        assertEquals("5.1.1", eventsOf(mail.id, "bounced", 1, Duration.ofSeconds(60)).get(0).path("dsn").asText());
        JsonNode dsn = dsnEvent(mail.id, Duration.ofSeconds(60));
        assertEquals("delivered", dsn.path("status").asText(), dsn.toString());

        Mail fromNull = new Mail("", "bounce@tls.test");
        mesh.submit(fromNull.id, fromNull.json());
        eventsOf(fromNull.id, "bounced", 1, Duration.ofSeconds(60));
        Thread.sleep(5000);
        assertTrue(mesh.events.seen(fromNull.id).stream().noneMatch(e -> e.path("id").asText().contains(".dsn.")));
        assertTrue(mesh.events.awaitEventsNow(e -> e.path("id").asText().startsWith(fromNull.id + ".dsn.")).isEmpty(),
                "no DSN to the null sender");
    }

    @Test
    void suspendedSiteIsDeferredWithoutConnectingAndResumeSendsItsMail() throws Exception {
        String token = Mesh.ADMIN_TOKEN;
        HttpResponse<String> r = mesh.adminPost("/admin/v1/sites/" + Mesh.LIMITS_MX + "/suspend", token, "{\"reason\":\"it maintenance\"}");
        assertEquals(202, r.statusCode(), r.body());
        try {
            JsonNode sites = mesh.parse(mesh.admin("/admin/v1/sites", token).body());
            assertTrue(sites.path("suspended").toString().contains(Mesh.LIMITS_MX), sites.toString());
            Thread.sleep(1500); // tls-session-service follows mail.control
            int offset = mesh.peerLog().length();
            Mail mail = new Mail("sender@warmwire.test", "held@limits.test");
            mesh.submit(mail.id, mail.json());
            JsonNode d = eventsOf(mail.id, "deferred", 1, Duration.ofSeconds(60)).get(0);
            assertTrue(d.path("reason").asText().contains("suspended by the operator: it maintenance"), d.toString());
            assertEquals("4.3.2", d.path("dsn").asText());
            assertFalse(mesh.peerLogSince(offset).contains("held@limits.test"), "nothing reached the receiver");

            r = mesh.adminPost("/admin/v1/sites/" + Mesh.LIMITS_MX + "/resume", token, null);
            assertEquals(202, r.statusCode(), r.body());
            JsonNode ok = eventsOf(mail.id, "delivered", 1, Duration.ofSeconds(30)).get(0);
            assertTrue(Duration.between(Instant.parse(d.path("timestamp").asText()), Instant.parse(ok.path("timestamp").asText()))
                    .toSeconds() < 20, "resume retried it at once: " + ok);
        } finally {
            mesh.adminPost("/admin/v1/sites/" + Mesh.LIMITS_MX + "/resume", token, null);
        }
    }

    @Test
    void deleteEndsADeferredMessage() throws Exception {
        Mail mail = new Mail("sender@warmwire.test", "defer@tls.test");
        mesh.submit(mail.id, mail.json());
        eventsOf(mail.id, "deferred", 1, Duration.ofSeconds(60));
        HttpResponse<String> r = mesh.adminPost("/admin/v1/messages/" + mail.id + "/delete", Mesh.ADMIN_TOKEN,
                "{\"reason\":\"it cleanup\"}");
        assertEquals(202, r.statusCode(), r.body());
        JsonNode del = eventsOf(mail.id, "deleted", 1, Duration.ofSeconds(30)).get(0);
        assertTrue(del.path("reason").asText().contains("it cleanup"), del.toString());
        int before = mesh.events.seen(mail.id).size();
        Thread.sleep(12_000); // longer than the next backoffs: no further attempt
        List<JsonNode> after = mesh.events.seen(mail.id);
        assertTrue(after.size() <= before + 1, "at most the attempt already under way: " + after);
        assertTrue(after.stream().noneMatch(e -> e.path("status").asText().equals("expired")), after.toString());
    }

    @Test
    void deadDestinationIsNotTriedAgainAtOnce() throws Exception {
        // tarpit.test goes to a port nobody listens on unless TarpitIT runs its server
        Mail first = new Mail("sender@warmwire.test", "a@tarpit.test");
        mesh.submit(first.id, first.json());
        JsonNode d1 = eventsOf(first.id, "deferred", 1, Duration.ofSeconds(60)).get(0);
        Mail second = new Mail("sender@warmwire.test", "b@tarpit.test");
        mesh.submit(second.id, second.json());
        JsonNode d2 = eventsOf(second.id, "deferred", 1, Duration.ofSeconds(60)).get(0);
        if (d1.path("reason").asText().contains("refused")) {
            assertTrue(d2.path("reason").asText().contains("is dead until"), d2.toString());
        }
        mesh.adminPost("/admin/v1/messages/" + first.id + "/delete", Mesh.ADMIN_TOKEN, null);
        mesh.adminPost("/admin/v1/messages/" + second.id + "/delete", Mesh.ADMIN_TOKEN, null);
    }

    @Test
    void summaryAndErrors() throws Exception {
        HttpResponse<String> s = mesh.admin("/admin/v1/queue", Mesh.ADMIN_TOKEN);
        assertEquals(200, s.statusCode(), s.body());
        assertTrue(mesh.parse(s.body()).has("recipientsByStatus"), s.body());
        HttpResponse<String> unknown = mesh.adminPost("/admin/v1/messages/no-such-id/retry", Mesh.ADMIN_TOKEN, null);
        assertEquals(404, unknown.statusCode(), unknown.body());
        assertEquals(404, mesh.parse(unknown.body()).path("status").asInt(), unknown.body());
        assertEquals(401, mesh.adminPost("/admin/v1/retry", null, null).statusCode());
        assertEquals(202, mesh.adminPost("/admin/v1/retry", Mesh.ADMIN_TOKEN, null).statusCode());
    }
}
