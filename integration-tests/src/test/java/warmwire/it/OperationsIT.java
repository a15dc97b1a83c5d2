package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import warmwire.testing.Poll;

/**
 * NAME
 *   OperationsIT - health and Prometheus metrics of the three services.
 * DESCRIPTION
 *   Issue 4, "Operations". Liveness and readiness answer UP on every service; readiness of
 *   queue-service and tls-session-service names both Kafka and Infinispan (delivery-service uses
 *   no Infinispan). After some traffic (a delivered message, a retried one, a malformed one, one
 *   deferred while we look), /q/metrics shows the metric names the lead chose
 *   (/tmp/briefs: admin-ops, session-ops): messages by final status, retries, DLQ, queue depth
 *   by site, delivery latency histogram; connections open / opened / reused, TLS handshakes,
 *   deliveries, dead sites; and final states and latency of the first attempts delivered to
 *   every recipient, whose events tls-session-service publishes and counts.
 */
class OperationsIT {
    private final Mesh mesh = Mesh.get();

    @Test
    void healthNamesKafkaAndInfinispan() throws Exception {
        for (int port : Mesh.SERVICE_PORTS) {
            assertEquals(200, mesh.http("GET", port, "/q/health/live", null, null).statusCode(), "live :" + port);
            HttpResponse<String> ready = mesh.http("GET", port, "/q/health/ready", null, null);
            assertEquals(200, ready.statusCode(), "ready :" + port + " " + ready.body());
            String body = ready.body().toLowerCase(Locale.ROOT);
            assertTrue(body.contains("kafka"), "readiness checks Kafka on :" + port + ": " + ready.body());
            if (port != Mesh.QUEUE_PORT + 1) {
                assertTrue(body.contains("infinispan"), "readiness checks Infinispan on :" + port + ": " + ready.body());
            }
        }
    }

    @Test
    void metricsAfterTraffic() throws Exception {
        SmtpSink sink = SmtpSink.shared(Mesh.SINK_PORT);
        String u = UUID.randomUUID().toString().substring(0, 8);
        Mail ok1 = new Mail("", "ops1-" + u + "@tls.test");
        Mail ok2 = new Mail("", "ops2-" + u + "@tls.test");
        String retried = "ops-retry-" + u + "@sink.test";
        sink.replyOnce(retried, "450 4.2.0 once");
        Mail retry = new Mail("", retried);
        String stuck = "ops-stuck-" + u + "@sink.test";
        sink.reply(stuck, "450 4.2.0 stays");
        Mail waiting = new Mail("", stuck);
        for (Mail m : List.of(ok1, ok2, retry, waiting)) {
            mesh.submit(m.id, m.json());
        }
        mesh.submit("ops-garbage-" + u, "not json " + u);
        try {
            for (Mail m : List.of(ok1, ok2, retry)) {
                mesh.events.awaitEvents(Events.of(m.id, m.to.get(0)).and(Events.status("delivered")), 1, Duration.ofSeconds(60));
            }
            mesh.events.awaitEvents(Events.of(waiting.id, stuck).and(Events.status("deferred")), 1, Duration.ofSeconds(60));
            // the depth by site comes from a walk of the index that a scrape asks for (at most every
            // 5 s in the IT mesh): scrape until the waiting site's row is there
            String depthRow = "warmwire_queue_depth{site=\"" + Mesh.siteKey(Mesh.SINK_MX, Mesh.SINK_PORT) + "\"";
            String queue = Poll.until(Duration.ofSeconds(25), Duration.ofMillis(500), () -> metrics(Mesh.QUEUE_PORT),
                    q -> q.contains(depthRow), q -> "queue depth of the waiting site: " + depthRow);
            for (String name : List.of("warmwire_messages_final_total", "warmwire_retries_total",
                    "warmwire_queue_depth", "warmwire_delivery_latency_seconds_bucket")) {
                assertTrue(queue.contains(name), "queue-service /q/metrics has " + name);
            }
            // intake is delivery-service's: the garbage record above is counted there
            String delivery = Poll.until(Duration.ofSeconds(30), Duration.ofMillis(500), () -> metrics(Mesh.QUEUE_PORT + 1),
                    d -> d.matches("(?s).*warmwire_dlq_total\\{[^}]*reason=\"invalid\"[^\n]* [1-9].*"),
                    d -> "delivery-service counts the rejected submission: warmwire_dlq_total{reason=\"invalid\"}");
            for (String name : List.of("warmwire_duplicates_total", "warmwire_unchecked_total")) {
                assertTrue(delivery.contains(name), "delivery-service /q/metrics has " + name);
            }
            assertTrue(queue.matches("(?s).*warmwire_messages_final_total\\{[^}]*status=\"delivered\".*"), "by final status");
            String session = metrics(Mesh.QUEUE_PORT + 2);
            for (String name : List.of("warmwire_connections_open", "warmwire_connections_opened_total",
                    "warmwire_connection_reuses_total", "warmwire_tls_handshakes_total", "warmwire_deliveries_total",
                    "warmwire_dead_sites")) {
                assertTrue(session.contains(name), "tls-session-service /q/metrics has " + name);
            }
            assertTrue(session.matches("(?s).*warmwire_tls_handshakes_total\\{[^}]*resumed=\"(true|false)\".*"),
                    "handshakes full/resumed");
            // ok1 and ok2, first attempts delivered to every recipient, have their events published
            // (and counted, just after the commit, on a thread of its own) by tls-session-service;
            // the retried one by queue-service (above)
            Poll.until(Duration.ofSeconds(10), Duration.ofMillis(200), () -> metrics(Mesh.QUEUE_PORT + 2),
                    m -> m.matches("(?s).*warmwire_messages_final_total\\{[^}]*status=\"delivered\".*"),
                    m -> "tls-session-service counts the final events it publishes");
            assertTrue(session.contains("warmwire_delivery_latency_seconds_bucket"), "tls-session-service's latency histogram");
        } finally {
            mesh.adminPost("/admin/v1/messages/" + waiting.id + "/delete");
        }
    }

    private String metrics(int port) throws Exception {
        HttpResponse<String> r = mesh.http("GET", port, "/q/metrics", null, null);
        assertEquals(200, r.statusCode(), "/q/metrics on :" + port);
        return r.body();
    }
}
