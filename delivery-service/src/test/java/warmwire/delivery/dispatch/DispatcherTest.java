package warmwire.delivery.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.memory.InMemoryConnector;
import io.smallrye.reactive.messaging.memory.InMemorySink;
import io.smallrye.reactive.messaging.memory.InMemorySource;
import jakarta.enterprise.inject.Any;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import warmwire.contracts.mail.QueuedMessage;
import warmwire.contracts.mail.TlsLevel;
import warmwire.contracts.outcome.DeliveryOutcome;
import warmwire.contracts.outcome.RecipientResult;
import warmwire.contracts.outcome.Status;
import warmwire.contracts.route.DeliveryJob;
import warmwire.contracts.route.Endpoint;

/** The whole service with in-memory channels, a routes file and a loopback DNS server. */
@QuarkusTest
@WithTestResource(RoutingTestResource.class)
class DispatcherTest {

    @Inject
    @Any
    InMemoryConnector connector;

    @Inject
    ObjectMapper mapper;

    private InMemorySource<Object> route;
    private InMemorySink<String> deliver;
    private InMemorySink<String> outcome;

    @BeforeEach
    void channels() {
        route = connector.source("route");
        deliver = connector.sink("deliver");
        outcome = connector.sink("outcome");
        deliver.clear();
        outcome.clear();
    }

    private CompletableFuture<Void> send(String json) {
        CompletableFuture<Void> acked = new CompletableFuture<>();
        route.send(Message.of(json, () -> {
            acked.complete(null);
            return CompletableFuture.completedFuture(null);
        }, e -> {
            acked.completeExceptionally(e);
            return CompletableFuture.completedFuture(null);
        }));
        return acked;
    }

    private static void waitFor(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(condition.getAsBoolean(), "timed out");
    }

    private static Object key(Message<?> m) {
        return m.getMetadata(OutgoingKafkaRecordMetadata.class).orElseThrow().getKey();
    }

    @Test
    void routesByFileAndDnsAndBouncesAnUnknownDomain() throws Exception {
        QueuedMessage m = new QueuedMessage("t1", "sender@src.test",
                List.of("a@local.test", "b@dns.test", "c@nowhere.test", "d@LOCAL.test"), "SGVsbG8=", TlsLevel.MAY,
                null, null, null, 1, Instant.now());
        CompletableFuture<Void> acked = send(mapper.writeValueAsString(m));
        waitFor(() -> deliver.received().size() == 2 && outcome.received().size() == 1);
        acked.get(5, TimeUnit.SECONDS);

        Message<String> first = deliver.received().get(0);
        Message<String> second = deliver.received().get(1);
        Message<String> local = "127.0.0.1:2525/may".equals(key(first)) ? first : second;
        Message<String> viaDns = local == first ? second : first;
        assertEquals("127.0.0.1:2525/may", key(local));
        DeliveryJob job = mapper.readValue(local.getPayload(), DeliveryJob.class);
        assertEquals("t1/1/127.0.0.1:2525/may", job.jobId());
        assertEquals(List.of("a@local.test", "d@LOCAL.test"), job.recipients());
        assertEquals(List.of(new Endpoint("127.0.0.1", "127.0.0.1", 2525, 0)), job.endpoints());
        assertEquals("SGVsbG8=", job.contentBase64());
        assertEquals(TlsLevel.MAY, job.tls());
        assertEquals(m.submittedAt(), job.submittedAt());

        assertEquals("mx1.dns.test:25/may", key(viaDns));
        DeliveryJob dnsJob = mapper.readValue(viaDns.getPayload(), DeliveryJob.class);
        assertEquals(List.of("b@dns.test"), dnsJob.recipients());
        assertEquals(List.of(new Endpoint("mx1.dns.test", "127.0.0.2", 25, 10)), dnsJob.endpoints());

        Message<String> out = outcome.received().get(0);
        assertEquals("t1", key(out));
        DeliveryOutcome o = mapper.readValue(out.getPayload(), DeliveryOutcome.class);
        assertEquals("none", o.relay());
        assertEquals(0, o.connectionUse());
        assertNull(o.jobId());
        assertEquals(1, o.results().size());
        RecipientResult r = o.results().get(0);
        assertEquals("c@nowhere.test", r.recipient());
        assertEquals(Status.BOUNCED, r.status());
        assertEquals("5.1.2", r.dsn());
        assertEquals(null, r.smtp(), "no server spoke");
        assertTrue(r.reason().contains("name=nowhere.test type=MX: Host not found"), r.reason());
    }

    @Test
    void nonPublicAddressesFromDnsAndLiteralsBounceUnlessAllowedOrRouted() throws Exception {
        QueuedMessage m = new QueuedMessage("t2", "sender@src.test",
                List.of("a@inside.test", "b@self.test", "c@[10.0.0.1]", "d@[127.0.0.2]", "e@local.test"),
                "SGVsbG8=", TlsLevel.MAY, null, null, null, 1, Instant.now());
        CompletableFuture<Void> acked = send(mapper.writeValueAsString(m));
        waitFor(() -> deliver.received().size() == 2 && outcome.received().size() == 1);
        acked.get(5, TimeUnit.SECONDS);

        // [127.0.0.2] is in the allow-list; local.test's route names 127.0.0.1, the operator's choice
        List<Object> keys = deliver.received().stream().map(DispatcherTest::key).sorted().toList();
        assertEquals(List.of("127.0.0.1:2525/may", "127.0.0.2:25/may"), keys);

        DeliveryOutcome o = mapper.readValue(outcome.received().get(0).getPayload(), DeliveryOutcome.class);
        assertEquals(3, o.results().size(), o.toString());
        for (RecipientResult r : o.results()) {
            assertEquals(Status.BOUNCED, r.status(), r.toString());
            switch (r.recipient()) {
                case "a@inside.test" -> {
                    assertEquals("5.4.4", r.dsn());
                    assertTrue(r.reason().contains("mx.inside.test[10.1.2.3] (private)"), r.reason());
                }
                case "b@self.test" -> {
                    assertEquals("5.4.6", r.dsn());
                    assertTrue(r.reason().contains("loops back to myself"), r.reason());
                }
                case "c@[10.0.0.1]" -> assertEquals("5.4.4", r.dsn());
                default -> throw new AssertionError("unexpected " + r);
            }
        }
    }

    @Test
    void malformedRecordIsAcknowledgedWithoutOutput() throws Exception {
        CompletableFuture<Void> acked = send("{not json");
        // acknowledged once its dead letter is written or has failed: no broker here, so after the
        // dead-letter producer's 10 s metadata wait
        acked.get(45, TimeUnit.SECONDS);
        // a good record after it is still routed: the stream survived
        QueuedMessage m = new QueuedMessage("t2", "", List.of("x@local.test"), "SGk=", null, null, null, null, 1,
                Instant.now());
        send(mapper.writeValueAsString(m)).get(10, TimeUnit.SECONDS);
        assertEquals(1, deliver.received().size());
        assertEquals("127.0.0.1:2525/may", key(deliver.received().get(0)));
        assertFalse(deliver.received().get(0).getPayload().contains("not json"));
        assertTrue(outcome.received().isEmpty());
    }

    @Test
    void logTextIsEscapedAndBounded() {
        assertEquals("id\\nforged", Dispatcher.logSafe("id\nforged"));
        assertTrue(Dispatcher.logSafe("x".repeat(4000)).length() <= 1024);
    }
}
