package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import warmwire.testing.Poll;

/**
 * NAME
 *   AdminApiIT - the operator's REST API over the real mesh: inspect, retry now, hold, release,
 *   delete, suspend and resume, list suspended and dead sites; bearer token; JSON errors.
 * DESCRIPTION
 *   Issue 4, "Admin API". admin.test is a site of its own (admin.mx.test:12596, a
 *   {@link SmtpSink} of this JVM whose replies are scripted per recipient); nowhere.test is a
 *   port nothing listens on (a dead site). The API as queue-service serves it
 *   (queue-service/.../admin/QueueActions.java, MessageResource.java): actions answer 202 with
 *   the decision written to mail.control; errors are {@code {"error": ..., "status": ...}};
 *   a site is named by its site key (URL-encoded: it holds ':' and '/') or one of its MX hosts.
 *   The IT mesh's backoff is 2 s doubling to 8 s, lifetime 40 s: every scenario ends well
 *   inside the lifetime.
 */
class AdminApiIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private final Mesh mesh = Mesh.get();
    private final SmtpSink sink = SmtpSink.shared(Mesh.ADMIN_SINK_PORT);
    private final String site = Mesh.siteKey(Mesh.ADMIN_MX, Mesh.ADMIN_SINK_PORT);

    private static final List<String[]> ENDPOINTS = List.of(
            new String[] {"GET", "/admin/v1/queue"},
            new String[] {"GET", "/admin/v1/sites"},
            new String[] {"GET", "/admin/v1/messages/some-id"},
            new String[] {"POST", "/admin/v1/messages/some-id/retry"},
            new String[] {"POST", "/admin/v1/messages/some-id/hold"},
            new String[] {"POST", "/admin/v1/messages/some-id/release"},
            new String[] {"POST", "/admin/v1/messages/some-id/delete"},
            new String[] {"POST", "/admin/v1/sites/some.mx.test/retry"},
            new String[] {"POST", "/admin/v1/sites/some.mx.test/suspend"},
            new String[] {"POST", "/admin/v1/sites/some.mx.test/resume"},
            new String[] {"POST", "/admin/v1/retry"});

    @Test
    void everyAdminEndpointNeedsTheTokenOnEveryPortThatServesIt() throws Exception {
        List<Integer> serving = new ArrayList<>();
        for (int port : Mesh.SERVICE_PORTS) {
            int code = mesh.http("GET", port, "/admin/v1/queue", Mesh.ADMIN_TOKEN, null).statusCode();
            if (code != 404) {
                serving.add(port);
            }
        }
        System.out.println("AdminApiIT: admin API served on ports " + serving);
        assertTrue(serving.contains(Mesh.QUEUE_PORT), "queue-service serves the admin API");
        for (int port : serving) {
            for (String[] ep : ENDPOINTS) {
                for (String token : new String[] {null, "wrong-" + Mesh.ADMIN_TOKEN}) {
                    HttpResponse<String> r = mesh.http(ep[0], port, ep[1], token, null);
                    assertEquals(401, r.statusCode(), ep[0] + " :" + port + ep[1] + " with token " + token + ": " + r.body());
                }
            }
        }
        int session = Mesh.SERVICE_PORTS[2]; // tls-session-service: the shard map, behind the same filter
        for (String token : new String[] {null, "wrong-" + Mesh.ADMIN_TOKEN}) {
            HttpResponse<String> r = mesh.http("GET", session, "/admin/v1/shards", token, null);
            assertEquals(401, r.statusCode(), "GET :" + session + "/admin/v1/shards with token " + token + ": " + r.body());
            assertTrue(r.body().contains("error"), "a JSON reason: " + r.body());
        }
        assertEquals(200, mesh.http("GET", session, "/admin/v1/shards", Mesh.ADMIN_TOKEN, null).statusCode());
        HttpResponse<String> doc = mesh.http("GET", Mesh.QUEUE_PORT, "/q/openapi?format=json", null, null);
        assertEquals(200, doc.statusCode());
        JsonNode paths = mesh.parse(doc.body()).path("paths");
        for (String p : List.of("/admin/v1/queue", "/admin/v1/sites", "/admin/v1/messages/{id}", "/admin/v1/messages/{id}/retry",
                "/admin/v1/messages/{id}/hold", "/admin/v1/messages/{id}/release", "/admin/v1/messages/{id}/delete",
                "/admin/v1/sites/{site}/retry", "/admin/v1/sites/{site}/suspend", "/admin/v1/sites/{site}/resume",
                "/admin/v1/retry")) {
            assertTrue(paths.has(p), "OpenAPI documents " + p + "; has " + paths.fieldNames());
        }
    }


    @Test
    void unknownAndMalformedInputGetsJson4xxNever5xx() throws Exception {
        String unknown = "no-such-" + UUID.randomUUID();
        HttpResponse<String> r = mesh.admin("/admin/v1/messages/" + unknown, Mesh.ADMIN_TOKEN);
        assertJsonError(404, r);
        for (String action : List.of("retry", "hold", "release", "delete")) {
            assertJsonError(404, mesh.adminPost("/admin/v1/messages/" + unknown + "/" + action));
        }
        String tooLong = "x".repeat(1001);
        assertJsonError(400, mesh.adminPost("/admin/v1/messages/" + tooLong + "/hold"));
        // malformed bodies: not JSON, and JSON of the wrong shape
        for (String body : List.of("{\"reason\": ", "not json at all", "{\"reason\": [1, 2]}")) {
            assertJsonError(400, mesh.http("POST", Mesh.QUEUE_PORT, "/admin/v1/messages/" + unknown + "/hold", Mesh.ADMIN_TOKEN, body));
            try {
                assertJsonError(400, mesh.http("POST", Mesh.QUEUE_PORT, "/admin/v1/sites/nonexistent.mx.test/suspend",
                        Mesh.ADMIN_TOKEN, body));
            } finally {
                mesh.adminPost("/admin/v1/sites/nonexistent.mx.test/resume");
            }
        }
        // odd paths and methods: any 4xx, never a 5xx
        for (String[] call : List.of(new String[] {"GET", "/admin/v1/messages/%00"},
                new String[] {"GET", "/admin/v1/messages/" + Mesh.segment("a b<c>")},
                new String[] {"DELETE", "/admin/v1/messages/" + unknown},
                new String[] {"POST", "/admin/v1/queue"})) {
            HttpResponse<String> x = mesh.http(call[0], Mesh.QUEUE_PORT, call[1], Mesh.ADMIN_TOKEN, null);
            assertTrue(x.statusCode() >= 400 && x.statusCode() < 500, call[0] + " " + call[1] + " -> " + x.statusCode() + " " + x.body());
        }
    }

    @Test
    void messageDetailShowsEnvelopeAttemptsNextAttemptAndLastReply() throws Exception {
        String rcpt = "detail-" + UUID.randomUUID() + "@admin.test";
        sink.reply(rcpt, "450 4.2.0 <" + rcpt + ">: detail busy");
        Mail mail = new Mail("detail@warmwire.test", rcpt);
        mesh.submit(mail.id, mail.json());
        try {
            JsonNode deferred = awaitStatus(mail, "deferred");
            JsonNode m = awaitIndex(mail.id, n -> "deferred".equals(n.path("state").path(rcpt).path("status").asText()));
            assertEquals("detail@warmwire.test", m.path("from").asText(), m.toString());
            assertTrue(m.path("recipients").toString().contains(rcpt), m.toString());
            assertTrue(m.hasNonNull("submittedAt"), m.toString());
            JsonNode st = m.path("state").path(rcpt);
            assertTrue(st.path("attempt").asInt() >= 1, "attempts: " + st);
            assertTrue(Events.instant(st.path("nextAttemptAt")) != null, "next attempt time: " + st);
            assertEquals(450, st.path("smtp").path("code").asInt(), "last SMTP reply: " + st);
            assertTrue(st.toString().contains("detail busy"), "last SMTP reply text: " + st);
            assertEquals(site, st.path("site").asText(), st.toString());
            assertEquals(deferred.path("nextAttemptAt").asText(), st.path("nextAttemptAt").asText(), st.toString());
        } finally {
            mesh.adminPost("/admin/v1/messages/" + mail.id + "/delete");
        }
    }

    @Test
    void queueSummaryCountsByStatusAndSiteWithTheOldestAge() throws Exception {
        String rcpt = "summary-" + UUID.randomUUID() + "@admin.test";
        sink.reply(rcpt, "450 4.2.0 <" + rcpt + ">: summary busy");
        Mail mail = new Mail("summary@warmwire.test", rcpt);
        Instant submitted = Instant.now();
        mesh.submit(mail.id, mail.json());
        try {
            awaitStatus(mail, "deferred");
            awaitIndex(mail.id, n -> "deferred".equals(n.path("state").path(rcpt).path("status").asText()));
            HttpResponse<String> r = mesh.admin("/admin/v1/queue", Mesh.ADMIN_TOKEN);
            assertEquals(200, r.statusCode(), r.body());
            JsonNode s = mesh.parse(r.body());
            assertTrue(s.path("recipientsByStatus").path("deferred").asInt() >= 1, s.toString());
            assertTrue(s.path("recipientsNotFinalBySite").path(site).asInt() >= 1, "by site: " + s);
            long age = Duration.between(submitted, Instant.now()).toSeconds();
            assertTrue(s.path("oldestNotFinalAgeSeconds").isNumber() && s.path("oldestNotFinalAgeSeconds").asLong() >= age - 1,
                    "oldest age >= our message's " + age + " s: " + s);
        } finally {
            mesh.adminPost("/admin/v1/messages/" + mail.id + "/delete");
        }
    }

    @Test
    void retryNowForAMessageASiteAndAll() throws Exception {
        String u = UUID.randomUUID().toString().substring(0, 8);
        List<Mail> mails = new ArrayList<>();
        for (String kind : List.of("message", "sitekey", "sitehost", "all")) {
            String rcpt = "now-" + kind + "-" + u + "@admin.test";
            sink.reply(rcpt, "450 4.2.0 <" + rcpt + ">: not yet");
            Mail m = new Mail("", rcpt);
            mails.add(m);
            mesh.submit(m.id, m.json());
        }
        List<Function<Mail, String>> retry = List.of(
                m -> "/admin/v1/messages/" + m.id + "/retry",
                m -> "/admin/v1/sites/" + Mesh.segment(site) + "/retry",
                m -> "/admin/v1/sites/" + Mesh.ADMIN_MX + "/retry",
                m -> "/admin/v1/retry");
        try {
            for (int i = 0; i < mails.size(); i++) {
                Mail m = mails.get(i);
                // wait for a deferral whose next attempt is far enough ahead to tell "now" from "on schedule"
                JsonNode d = awaitLongWait(m, Duration.ofSeconds(5));
                Instant next = Events.instant(d.path("nextAttemptAt"));
                sink.reply(m.to.get(0), null);
                HttpResponse<String> r = mesh.adminPost(retry.get(i).apply(m));
                assertEquals(202, r.statusCode(), retry.get(i).apply(m) + ": " + r.body());
                JsonNode delivered = awaitStatus(m, "delivered");
                Instant at = Events.instant(delivered.path("timestamp"));
                assertTrue(at.isBefore(next.minusSeconds(3)), retry.get(i).apply(m) + ": delivered at " + at
                        + ", its scheduled attempt was " + next);
            }
        } finally {
            for (Mail m : mails) {
                sink.reply(m.to.get(0), null);
            }
        }
    }

    @Test
    void heldMailIsNotAttemptedUntilReleased() throws Exception {
        String rcpt = "held-" + UUID.randomUUID() + "@admin.test";
        sink.reply(rcpt, "450 4.2.0 <" + rcpt + ">: busy");
        Mail mail = new Mail("", rcpt);
        mesh.submit(mail.id, mail.json());
        awaitStatus(mail, "deferred");
        HttpResponse<String> r = mesh.http("POST", Mesh.QUEUE_PORT, "/admin/v1/messages/" + mail.id + "/hold",
                Mesh.ADMIN_TOKEN, "{\"reason\":\"it hold\"}");
        assertEquals(202, r.statusCode(), r.body());
        int attempts = sink.attempts(rcpt).size();
        sink.reply(rcpt, null);
        Thread.sleep(Mesh.MAX_BACKOFF.plusSeconds(4).toMillis()); // longer than any scheduled wait
        assertEquals(attempts, sink.attempts(rcpt).size(), "held: no attempt " + sink.attempts(rcpt));
        assertTrue(mesh.events.seen(mail.id).stream().noneMatch(Events::isFinal), mesh.events.seen(mail.id).toString());

        r = mesh.adminPost("/admin/v1/messages/" + mail.id + "/release");
        assertEquals(202, r.statusCode(), r.body());
        awaitStatus(mail, "delivered");
        assertEquals(1, sink.receivedFor(rcpt).size());
    }

    @Test
    void deleteWritesADeletedEventAndEndsAttempts() throws Exception {
        String rcpt = "delete-" + UUID.randomUUID() + "@admin.test";
        sink.reply(rcpt, "450 4.2.0 <" + rcpt + ">: busy");
        Mail mail = new Mail("delete@warmwire.test", rcpt);
        mesh.submit(mail.id, mail.json());
        awaitStatus(mail, "deferred");
        HttpResponse<String> r = mesh.http("POST", Mesh.QUEUE_PORT, "/admin/v1/messages/" + mail.id + "/delete",
                Mesh.ADMIN_TOKEN, "{\"reason\":\"it cleanup\"}");
        assertEquals(202, r.statusCode(), r.body());
        JsonNode deleted = awaitStatus(mail, "deleted");
        assertTrue(deleted.path("reason").asText().contains("it cleanup"), deleted.toString());
        int attempts = sink.attempts(rcpt).size();
        sink.reply(rcpt, null);
        Thread.sleep(Mesh.MAX_BACKOFF.plusSeconds(4).toMillis());
        assertEquals(attempts, sink.attempts(rcpt).size(), "deleted: no attempt " + sink.attempts(rcpt));
        List<JsonNode> all = mesh.events.seen(mail.id);
        assertEquals(1, all.stream().filter(Events::isFinal).count(), "deleted is the one final event: " + all);
        JsonNode m = awaitIndex(mail.id, n -> "deleted".equals(n.path("state").path(rcpt).path("status").asText()));
        assertEquals("deleted", m.path("state").path(rcpt).path("status").asText(), m.toString());
    }

    @Test
    void suspendedSiteIsDeferredWithoutConnectingAndListed() throws Exception {
        String u = UUID.randomUUID().toString().substring(0, 8);
        Mail warm = new Mail("", "warm-" + u + "@admin.test");
        mesh.submit(warm.id, warm.json());
        JsonNode ok = awaitStatus(warm, "delivered");
        assertEquals(site, ok.path("site").asText(), ok.toString());
        try {
            HttpResponse<String> r = mesh.http("POST", Mesh.QUEUE_PORT, "/admin/v1/sites/" + Mesh.ADMIN_MX + "/suspend",
                    Mesh.ADMIN_TOKEN, "{\"reason\":\"it maintenance " + u + "\"}");
            assertEquals(202, r.statusCode(), r.body());
            JsonNode sites = mesh.parse(mesh.admin("/admin/v1/sites", Mesh.ADMIN_TOKEN).body());
            assertTrue(sites.path("suspended").toString().contains(Mesh.ADMIN_MX), sites.toString());
            Thread.sleep(1500); // tls-session-service follows mail.control

            String rcpt = "susp-" + u + "@admin.test";
            Mail mail = new Mail("", rcpt);
            mesh.submit(mail.id, mail.json());
            List<JsonNode> deferred = mesh.events.awaitEvents(Events.of(mail.id, rcpt).and(Events.status("deferred")), 2, WAIT);
            for (JsonNode d : deferred) {
                String reason = d.path("reason").asText().toLowerCase(Locale.ROOT);
                assertTrue(reason.contains("suspended") && reason.contains("it maintenance " + u), d.toString());
            }
            assertTrue(sink.attempts(rcpt).isEmpty(), "a suspended site is not connected to: " + sink.attempts(rcpt));

            r = mesh.adminPost("/admin/v1/sites/" + Mesh.ADMIN_MX + "/resume");
            assertEquals(202, r.statusCode(), r.body());
            sites = mesh.parse(mesh.admin("/admin/v1/sites", Mesh.ADMIN_TOKEN).body());
            assertTrue(!sites.path("suspended").toString().contains(Mesh.ADMIN_MX), sites.toString());
            awaitStatus(mail, "delivered");
            assertEquals(1, sink.receivedFor(rcpt).size());
        } finally {
            mesh.adminPost("/admin/v1/sites/" + Mesh.ADMIN_MX + "/resume");
        }
    }

    /**
     * Issue 11: after a restart, nothing acts on mail.control state it has not read yet. The site
     * is suspended, tls-session-service is killed, mail for the site waits on mail.deliver, and
     * the restarted instance reads that job at once: it must not deliver before its follower has
     * read the suspension.
     */
    @Test
    void aSuspendedSiteStaysSuspendedAcrossARestartOfTheSessionService() throws Exception {
        String u = UUID.randomUUID().toString().substring(0, 8);
        try {
            HttpResponse<String> r = mesh.http("POST", Mesh.QUEUE_PORT, "/admin/v1/sites/" + Mesh.ADMIN_MX + "/suspend",
                    Mesh.ADMIN_TOKEN, "{\"reason\":\"restart check " + u + "\"}");
            assertEquals(202, r.statusCode(), r.body());
            Thread.sleep(1500);
            mesh.kill9(Mesh.Part.SESSION);
            String rcpt = "restart-" + u + "@admin.test";
            Mail mail = new Mail("", rcpt);
            mesh.submit(mail.id, mail.json());
            Thread.sleep(2000); // routed: the job waits on mail.deliver for the restarted instance
            mesh.restart(Mesh.Part.SESSION);
            JsonNode first = mesh.events.awaitEvents(Events.of(mail.id, rcpt), 1, WAIT).get(0);
            assertEquals("deferred", first.path("status").asText(), first.toString());
            assertTrue(first.path("reason").asText().toLowerCase(Locale.ROOT).contains("suspended"), first.toString());
            assertTrue(sink.attempts(rcpt).isEmpty(), "not connected to before the follower caught up: " + sink.attempts(rcpt));
            mesh.adminPost("/admin/v1/sites/" + Mesh.ADMIN_MX + "/resume");
            awaitStatus(mail, "delivered");
        } finally {
            mesh.adminPost("/admin/v1/sites/" + Mesh.ADMIN_MX + "/resume");
        }
    }

    @Test
    void deadSiteIsListed() throws Exception {
        String u = UUID.randomUUID().toString().substring(0, 8);
        List<Mail> mails = new ArrayList<>();
        JsonNode listed = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        try {
            while (listed == null && System.nanoTime() < deadline) {
                Mail m = new Mail("", "n" + mails.size() + "-" + u + "@nowhere.test");
                mails.add(m);
                mesh.submit(m.id, m.json());
                for (int i = 0; i < 10 && listed == null; i++) {
                    Thread.sleep(100);
                    JsonNode sites = mesh.parse(mesh.admin("/admin/v1/sites", Mesh.ADMIN_TOKEN).body());
                    for (JsonNode d : sites.path("dead")) {
                        if (d.path("site").asText().contains(Mesh.NOWHERE_MX)) {
                            listed = d;
                        }
                    }
                }
            }
            assertTrue(listed != null, "nowhere.test's site listed as dead while its connections are refused");
            assertEquals(Mesh.siteKey(Mesh.NOWHERE_MX, Mesh.NOWHERE_PORT), listed.path("site").asText(), listed.toString());
            assertTrue(listed.hasNonNull("until") && listed.path("count").asInt() >= 1, listed.toString());
        } finally {
            for (Mail m : mails) {
                mesh.adminPost("/admin/v1/messages/" + m.id + "/delete");
            }
        }
    }

    private JsonNode awaitStatus(Mail m, String status) throws InterruptedException {
        return mesh.events.awaitEvents(Events.of(m.id, m.to.get(0)).and(Events.status(status)), 1, WAIT).get(0);
    }

    /** The newest deferred event of {@code m} whose next attempt is at least {@code ahead} from now. */
    private JsonNode awaitLongWait(Mail m, Duration ahead) throws InterruptedException {
        return Poll.until(WAIT, Duration.ofMillis(50), () -> {
            List<JsonNode> d = mesh.events.seen(Events.of(m.id, m.to.get(0)).and(Events.status("deferred")));
            return d.isEmpty() ? null : d.get(d.size() - 1);
        }, last -> {
            Instant next = last == null ? null : Events.instant(last.path("nextAttemptAt"));
            return next != null && next.isAfter(Instant.now().plus(ahead));
        }, last -> "no deferral of " + m.id + " with its next attempt " + ahead + " ahead: " + mesh.events.seen(m.id));
    }

    /** GET the message from the index until {@code ready} holds (index writes are asynchronous). */
    private JsonNode awaitIndex(String id, java.util.function.Predicate<JsonNode> ready) throws Exception {
        return Poll.until(Duration.ofSeconds(10), Duration.ofMillis(200), () -> {
            HttpResponse<String> r = mesh.admin("/admin/v1/messages/" + id, Mesh.ADMIN_TOKEN);
            return r.statusCode() == 200 ? mesh.parse(r.body()) : null;
        }, last -> last != null && ready.test(last), last -> "index never showed the expected state of " + id + ": " + last);
    }

    private void assertJsonError(int status, HttpResponse<String> r) {
        assertEquals(status, r.statusCode(), r.uri() + ": " + r.body());
        JsonNode b = mesh.parse(r.body());
        assertTrue(b.path("error").asText().length() > 0, "JSON error body: " + r.body());
        assertEquals(status, b.path("status").asInt(), r.body());
    }
}
