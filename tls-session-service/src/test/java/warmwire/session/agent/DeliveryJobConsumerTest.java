package warmwire.session.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.memory.InMemoryConnector;
import io.smallrye.reactive.messaging.memory.InMemorySource;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import warmwire.contracts.mail.TlsLevel;
import warmwire.contracts.outcome.DeliveryOutcome;
import warmwire.contracts.outcome.Status;
import warmwire.contracts.route.DeliveryJob;
import warmwire.contracts.route.Endpoint;
import warmwire.contracts.route.Site;
import warmwire.session.testing.ScriptedSmtpServer;

/** The Quarkus app over an in-memory deliver channel: a job yields an outcome record for mail.outcome. */
@QuarkusTest
@QuarkusTestResource(InMemoryChannels.class)
class DeliveryJobConsumerTest {

    @Inject
    @org.eclipse.microprofile.reactive.messaging.spi.Connector("smallrye-in-memory")
    InMemoryConnector connector;

    @Inject
    ObjectMapper mapper;

    private final Set<String> acked = ConcurrentHashMap.newKeySet();

    @BeforeEach
    void clearSink() {
        MockOutcomePublisher.PRODUCER.clear();
        acked.clear();
    }

    private DeliveryJob job(String id, int port, String... rcpts) {
        Instant now = Instant.now();
        Endpoint ep = new Endpoint("localhost", "127.0.0.1", port, 10);
        return new DeliveryJob(id + "/1/site", id, new Site(List.of("localhost"), port, TlsLevel.MAY), List.of(ep),
                "sender@example.org", List.of(rcpts),
                Base64.getEncoder().encodeToString("Subject: hi\r\n\r\nbody\r\n".getBytes()), TlsLevel.MAY, 1,
                now.minusMillis(20), now.minusMillis(10), 0.005);
    }

    private void send(DeliveryJob job) throws Exception {
        InMemorySource<Message<byte[]>> in = connector.source("deliver");
        in.send(Message.of(mapper.writeValueAsBytes(job), () -> {
            acked.add(job.messageId());
            return CompletableFuture.completedFuture(null);
        }));
    }

    private static void await(BooleanSupplier cond, long millis, String what) throws InterruptedException {
        long end = System.currentTimeMillis() + millis;
        while (!cond.getAsBoolean()) {
            if (System.currentTimeMillis() > end) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    private DeliveryOutcome outcome(ProducerRecord<String, byte[]> r) throws Exception {
        return mapper.readValue(r.value(), DeliveryOutcome.class);
    }

    private static List<ProducerRecord<String, byte[]>> sent() {
        return MockOutcomePublisher.PRODUCER.history();
    }

    @Test
    void jobOnDeliverGivesOutcomeOnOutcome() throws Exception {
        try (ScriptedSmtpServer smtp = new ScriptedSmtpServer()) {
            smtp.rcptReply = r -> r.startsWith("bad") ? "550 5.1.1 unknown user" : "250 2.1.5 Ok";
            send(job("msg-1", smtp.port(), "a@example.com", "bad@example.com"));
            await(() -> sent().size() == 1, 10_000, "the outcome");
            ProducerRecord<String, byte[]> m = sent().get(0);
            DeliveryOutcome o = outcome(m);
            assertEquals("msg-1", o.messageId());
            assertEquals("msg-1/1/site", o.jobId());
            assertEquals(2, o.results().size());
            assertEquals(Status.DELIVERED, o.results().get(0).status());
            assertEquals(Status.BOUNCED, o.results().get(1).status());
            assertEquals("localhost[127.0.0.1]:" + smtp.port(), o.relay());
            assertEquals(1, o.connectionUse());
            assertEquals("msg-1", m.key(), "outcome keyed by message id");
            assertEquals("mail.outcome", m.topic());
            await(() -> acked.contains("msg-1"), 5_000, "the job's ack");
            assertTrue(smtp.commands.contains("EHLO client.test"));
        }
    }

    @Test
    void slowSiteDoesNotHoldBackOthers() throws Exception {
        try (ScriptedSmtpServer tarpit = new ScriptedSmtpServer(); ScriptedSmtpServer fast = new ScriptedSmtpServer()) {
            tarpit.silent = true; // never greets: times out after the test's 3 s greeting timeout
            send(job("slow", tarpit.port(), "a@slow.example"));
            send(job("quick", fast.port(), "b@fast.example"));
            await(() -> sent().size() >= 1, 2_500, "the quick job's outcome");
            assertEquals("quick", outcome(sent().get(0)).messageId(), "the job behind the tarpit went first");
            assertFalse(acked.contains("slow"), "the slow job is not acknowledged before its outcome");
            await(() -> sent().size() == 2, 10_000, "the slow job's outcome");
            DeliveryOutcome slow = outcome(sent().get(1));
            assertEquals(Status.DEFERRED, slow.results().get(0).status());
            assertTrue(slow.results().get(0).reason().contains("timed out while receiving the initial server greeting"),
                    slow.results().get(0).reason());
            await(() -> acked.contains("slow"), 5_000, "the slow job's ack");
        }
    }
}
