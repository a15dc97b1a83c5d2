package warmwire.session.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import warmwire.contracts.mail.TlsLevel;
import warmwire.contracts.outcome.Delays;
import warmwire.contracts.outcome.DeliveryOutcome;
import warmwire.contracts.outcome.RecipientResult;
import warmwire.contracts.outcome.SmtpReply;
import warmwire.contracts.outcome.Status;
import warmwire.contracts.route.DeliveryJob;
import warmwire.contracts.route.Endpoint;
import warmwire.contracts.route.Site;

/**
 * The publishing path without Quarkus: {@link DeliveryJobConsumer} over a delivery function and
 * an {@link OutcomePublisher} on Kafka's MockProducer, whose sends complete only when the test
 * says so (the broker's acknowledgement, or its failure).
 */
class OutcomePublishingTest {
    private final ObjectMapper mapper = JsonMapper.builder().findAndAddModules()
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
    private final MockProducer<String, byte[]> producer =
            new MockProducer<>(false, null, new StringSerializer(), new ByteArraySerializer());
    private final OutcomePublisher publisher = new OutcomePublisher(producer, "mail.outcome", Duration.ofSeconds(1));
    private final AtomicInteger delivered = new AtomicInteger();

    /** A record as SmallRye hands it over, counting its acks and nacks. */
    private static final class Record {
        final AtomicInteger acks = new AtomicInteger();
        final List<Throwable> nacks = new CopyOnWriteArrayList<>();
        final Message<byte[]> message;

        Record(byte[] payload) {
            message = Message.of(payload, () -> {
                acks.incrementAndGet();
                return CompletableFuture.completedFuture(null);
            }, t -> {
                nacks.add(t);
                return CompletableFuture.completedFuture(null);
            });
        }
    }

    @AfterEach
    void close() {
        publisher.close();
    }

    private static DeliveryJob job(String id) {
        Instant now = Instant.now();
        return new DeliveryJob(id + "/1/mx.example.com:25/may", id, new Site(List.of("mx.example.com"), 25, TlsLevel.MAY),
                List.of(new Endpoint("mx.example.com", "192.0.2.1", 25, 10)), "sender@example.org", List.of("a@example.com"),
                "U3ViamVjdDogaGkNCg0KYm9keQ0K", TlsLevel.MAY, 1, now, now, 0.001);
    }

    private static DeliveryOutcome delivered(DeliveryJob job) {
        return new DeliveryOutcome(job.messageId(), job.jobId(), 1, job.site().key(), "mx.example.com[192.0.2.1]:25",
                List.of(new RecipientResult("a@example.com", Status.DELIVERED, new SmtpReply(250, "2.0.0", "Ok"), "2.0.0", null)),
                null, 1, Delays.NONE, Instant.now());
    }

    private DeliveryJobConsumer consumer(int maxInFlight, Function<DeliveryJob, Future<DeliveryOutcome>> deliver) {
        return new DeliveryJobConsumer(mapper, job -> {
            delivered.incrementAndGet();
            return deliver.apply(job);
        }, new InFlightLimit(maxInFlight), publisher, new DoneJobs(null));
    }

    private DeliveryJobConsumer consumer() {
        return consumer(10, job -> Future.succeededFuture(delivered(job)));
    }

    private Record record(DeliveryJob job) throws Exception {
        return new Record(mapper.writeValueAsBytes(job));
    }

    private static void await(BooleanSupplier cond, String what) throws InterruptedException {
        long end = System.currentTimeMillis() + 5_000;
        while (!cond.getAsBoolean()) {
            if (System.currentTimeMillis() > end) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void recordIsAckedOnlyWhenTheBrokerHasTheOutcome() throws Exception {
        DeliveryJobConsumer c = consumer();
        Record r = record(job("m-1"));
        assertTrue(c.onJob(r.message).toCompletableFuture().isDone(), "under the bound the next record comes at once");
        await(() -> producer.history().size() == 1, "the outcome send");
        ProducerRecord<String, byte[]> sent = producer.history().get(0);
        assertEquals("mail.outcome", sent.topic());
        assertEquals("m-1", sent.key(), "keyed by message id");
        DeliveryOutcome o = mapper.readValue(sent.value(), DeliveryOutcome.class);
        assertEquals("m-1/1/mx.example.com:25/may", o.jobId());
        assertEquals(Status.DELIVERED, o.results().get(0).status());
        assertEquals(0, r.acks.get(), "not acked before the broker acknowledged the outcome");
        assertEquals(1, c.inFlight());

        assertTrue(producer.completeNext());
        assertEquals(1, r.acks.get());
        assertTrue(r.nacks.isEmpty());
        assertEquals(0, c.inFlight(), "slot freed");
    }

    @Test
    void aCopyOfAJobInFlightIsNotDeliveredAgain() throws Exception {
        DeliveryJobConsumer c = consumer();
        DeliveryJob job = job("m-dup");
        Record first = record(job);
        Record copy = record(job);
        c.onJob(first.message);
        c.onJob(copy.message);
        await(() -> producer.history().size() == 1, "the outcome send");
        assertEquals(1, delivered.get(), "delivered once");
        assertEquals(0, copy.acks.get(), "the copy waits for the first");
        assertTrue(producer.completeNext());
        await(() -> copy.acks.get() == 1, "the copy's ack");
        assertEquals(1, first.acks.get());
        assertEquals(1, producer.history().size(), "one outcome: the copy publishes none");
        assertEquals(1, delivered.get());
        assertEquals(0, c.inFlight(), "both slots freed");

        Record later = record(job);
        c.onJob(later.message);
        await(() -> producer.history().size() == 2, "without the Infinispan marks a later copy is delivered (at least once)");
    }

    @Test
    void failedSendNacksAndAcksNothing() throws Exception {
        DeliveryJobConsumer c = consumer();
        Record r = record(job("m-2"));
        c.onJob(r.message);
        await(() -> producer.history().size() == 1, "the outcome send");
        TimeoutException broker = new TimeoutException("Expiring 1 record(s) for mail.outcome-3: 120000 ms has passed");
        assertTrue(producer.errorNext(broker));
        assertEquals(List.of(broker), r.nacks, "nacked once, with the producer's failure");
        assertEquals(0, r.acks.get(), "never acked: the job stays uncommitted");
        assertEquals(0, c.inFlight(), "slot freed");
    }

    @Test
    void sendThatThrowsNacksOnce() throws Exception {
        DeliveryJobConsumer c = consumer();
        producer.sendException = new KafkaException("producer closed");
        Record r = record(job("m-3"));
        c.onJob(r.message);
        await(() -> !r.nacks.isEmpty(), "the nack");
        Thread.sleep(50);
        assertEquals(1, r.nacks.size());
        assertSame(producer.sendException, r.nacks.get(0));
        assertEquals(0, r.acks.get());
        assertEquals(0, c.inFlight());
    }

    @Test
    void unreadableRecordsAreSkipped() throws Exception {
        DeliveryJobConsumer c = consumer();
        for (byte[] payload : new byte[][] {"{not json".getBytes(StandardCharsets.UTF_8), null,
                "{\"jobId\":\"x\"}".getBytes(StandardCharsets.UTF_8), "null".getBytes(StandardCharsets.UTF_8)}) {
            Record r = new Record(payload);
            CompletionStage<Void> next = c.onJob(r.message);
            assertTrue(next.toCompletableFuture().isDone());
            assertEquals(1, r.acks.get(), "skipped records are acknowledged (they can have no outcome)");
            assertTrue(r.nacks.isEmpty());
        }
        assertEquals(0, delivered.get(), "nothing delivered");
        assertEquals(0, c.inFlight());
        Thread.sleep(50);
        assertTrue(producer.history().isEmpty(), "nothing published");
    }

    @Test
    void slotIsHeldUntilTheOutcomeIsAcknowledged() throws Exception {
        DeliveryJobConsumer c = consumer(1, job -> Future.succeededFuture(delivered(job)));
        Record r = record(job("m-4"));
        CompletableFuture<Void> next = c.onJob(r.message).toCompletableFuture();
        await(() -> producer.history().size() == 1, "the outcome send");
        assertFalse(next.isDone(), "at the bound: the next record waits for the outcome's acknowledgement");
        producer.completeNext();
        assertTrue(next.isDone());
        assertEquals(1, r.acks.get());
    }

    @Test
    void internalDeliveryFailureStillPublishesADeferral() throws Exception {
        Promise<DeliveryOutcome> p = Promise.promise();
        DeliveryJobConsumer c = consumer(10, job -> p.future());
        Record r = record(job("m-5"));
        c.onJob(r.message);
        p.fail(new IllegalStateException("boom"));
        await(() -> producer.history().size() == 1, "the outcome send");
        DeliveryOutcome o = mapper.readValue(producer.history().get(0).value(), DeliveryOutcome.class);
        assertEquals(Status.DEFERRED, o.results().get(0).status());
        assertTrue(o.results().get(0).reason().contains("internal error"), o.results().get(0).reason());
        assertTrue(o.pending() != null && "U3ViamVjdDogaGkNCg0KYm9keQ0K".equals(o.pending().contentBase64()),
                "the deferred outcome hands the message back");
        producer.completeNext();
        assertEquals(1, r.acks.get());
    }

    @Test
    void afterCloseOutcomesFailAndTheirRecordsAreNacked() throws Exception {
        DeliveryJobConsumer c = consumer();
        publisher.close();
        Record r = record(job("m-6"));
        c.onJob(r.message);
        assertEquals(1, r.nacks.size());
        assertEquals(0, r.acks.get());
        assertEquals(0, c.inFlight());
        assertTrue(producer.closed(), "the publisher closes its producer");
    }

    @Test
    void outcomesQueuedBeforeCloseAreStillSentAndAnswered() throws Exception {
        List<Exception> answers = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 3; i++) {
            publisher.publish("m-" + i, new byte[] {'{', '}'}, (md, err) -> answers.add(err == null ? new Exception("ok") : err));
        }
        publisher.close();
        assertEquals(3, producer.history().size(), "sent before the producer was closed");
        assertTrue(answers.isEmpty(), "not failed: the producer still answers for them");
        while (producer.completeNext()) {
            // the broker acknowledges them
        }
        assertEquals(3, answers.size());
        answers.forEach(a -> assertEquals("ok", a.getMessage()));
    }

    @Test
    void producerSettingsKeepAcksAllAndTheServiceWideKeys() {
        var s = OutcomePublisher.settings(java.util.Map.of("bootstrap.servers", "k:9092", "group.id", "g",
                "security.protocol", "SSL"), java.util.Map.of("linger.ms", "10", "acks", "1"));
        assertEquals("all", s.get("acks"), "acks=all whatever is configured");
        assertEquals("k:9092", s.get("bootstrap.servers"));
        assertEquals("SSL", s.get("security.protocol"));
        assertEquals("10", s.get("linger.ms"));
        assertFalse(s.containsKey("group.id"), "consumer-only keys are not passed to the producer");
    }
}
