package warmwire.session.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.vertx.core.Promise;
import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import warmwire.contracts.Topics;
import warmwire.contracts.check.RecordLimits;
import warmwire.contracts.mail.TlsLevel;
import warmwire.contracts.outcome.Delays;
import warmwire.contracts.outcome.DeliveryOutcome;
import warmwire.contracts.outcome.RecipientResult;
import warmwire.contracts.outcome.SmtpReply;
import warmwire.contracts.outcome.Status;
import warmwire.contracts.route.DeliveryJob;
import warmwire.contracts.route.Endpoint;
import warmwire.contracts.route.Site;
import warmwire.pipeline.ExactlyOnceLoop;
import warmwire.pipeline.InFlightLimit;

/**
 * The delivery loop as the service runs it ({@link ExactlyOnceLoop} over {@link Deliveries}),
 * over Kafka's mock clients and a delivery function the test finishes by hand.
 */
class DeliveriesTest {
    private static final TopicPartition P0 = new TopicPartition(Topics.DELIVER, 0);

    private final ObjectMapper mapper = JsonMapper.builder().findAndAddModules()
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
    private final Map<TopicPartition, OffsetAndMetadata> coordinator = new ConcurrentHashMap<>();
    private final MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest") {
        @Override
        public synchronized Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions) {
            Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
            partitions.forEach(tp -> {
                if (coordinator.containsKey(tp)) {
                    out.put(tp, coordinator.get(tp));
                }
            });
            return out;
        }
    };
    private final MockProducer<String, byte[]> producer =
            new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
    private final Map<String, Promise<DeliveryOutcome>> running = new ConcurrentHashMap<>();
    private final List<String> started = new CopyOnWriteArrayList<>();
    private final AtomicBoolean controlRead = new AtomicBoolean(true);

    private ExactlyOnceLoop<byte[], byte[]> loop(Duration controlWait) {
        return loop(controlWait, 100);
    }

    private ExactlyOnceLoop<byte[], byte[]> loop(Duration controlWait, int maxInFlight) {
        Deliveries work = new Deliveries(OutcomeRecords.toQueue(Topics.OUTCOME, mapper.writer()), RecordLimits.DEFAULT, job -> {
            Promise<DeliveryOutcome> p = Promise.promise();
            running.put(job.messageId(), p);
            started.add(job.messageId());
            return p.future();
        }, null, controlRead::get, controlWait);
        ExactlyOnceLoop.Settings s = new ExactlyOnceLoop.Settings("warmwire-deliver", List.of(Topics.DELIVER), Duration.ZERO,
                1000, Duration.ofSeconds(5), 4096);
        return new ExactlyOnceLoop<>(s, () -> consumer, () -> producer, work, new InFlightLimit(maxInFlight), null);
    }

    private static DeliveryJob job(String id) {
        return job(id, "Subject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.UTF_8));
    }

    private static DeliveryJob job(String id, byte[] body) {
        Instant now = Instant.now();
        return new DeliveryJob(id + "/1/site", id, new Site(List.of("mx.example"), 25, TlsLevel.MAY),
                List.of(new Endpoint("mx.example", "192.0.2.1", 25, 10)), "sender@example.org", List.of("a@example.com"),
                body, TlsLevel.MAY, 1, now.minusMillis(20), now.minusMillis(10), 0.005);
    }

    private ConsumerRecord<String, byte[]> record(long offset, String id) throws Exception {
        return new ConsumerRecord<>(Topics.DELIVER, 0, offset, "site", job(id).framed(mapper.writer()));
    }

    private void assign(List<ConsumerRecord<String, byte[]>> records) {
        consumer.schedulePollTask(() -> {
            consumer.updateBeginningOffsets(Map.of(P0, 0L));
            consumer.rebalance(List.of(P0));
            records.forEach(consumer::addRecord);
        });
    }

    private void delivered(String id) {
        running.remove(id).complete(new DeliveryOutcome(id, id + "/1/site", 1, "mx.example:25/may", "mx.example[192.0.2.1]:25",
                List.of(new RecipientResult("a@example.com", Status.DELIVERED, new SmtpReply(250, "2.0.0", "ok"), null, null)),
                null, 1, Delays.NONE, Instant.now()));
    }

    private List<DeliveryOutcome> outcomes() throws Exception {
        List<DeliveryOutcome> out = new ArrayList<>();
        for (ProducerRecord<String, byte[]> r : producer.history()) {
            if (r.topic().equals(Topics.OUTCOME)) {
                DeliveryOutcome o = mapper.readValue(r.value(), DeliveryOutcome.class);
                assertEquals(o.messageId(), r.key(), "keyed by message id");
                out.add(o);
            }
        }
        return out;
    }

    @Test
    void aJobGivesItsOutcomeKeyedByMessageIdAndTheRecordIsCommittedWithIt() throws Exception {
        ExactlyOnceLoop<byte[], byte[]> loop = loop(Duration.ofSeconds(1));
        assign(List.of(record(0, "m0"), record(1, "m1")));
        loop.step();
        delivered("m1");
        loop.step();
        assertEquals(List.of("m1"), outcomes().stream().map(DeliveryOutcome::messageId).toList(), "m0's slow site holds back nothing");
        delivered("m0");
        loop.step();
        assertEquals(2, outcomes().size());
        assertEquals(Status.DELIVERED, outcomes().get(1).results().get(0).status());
    }

    @Test
    void anInvalidRecordIsDeadLetteredInTheTransactionAndNeverDelivered() throws Exception {
        ExactlyOnceLoop<byte[], byte[]> loop = loop(Duration.ofSeconds(1));
        assign(List.of(new ConsumerRecord<>(Topics.DELIVER, 0, 0, "k", "{\"jobId\":1}".getBytes(StandardCharsets.UTF_8)),
                record(1, "m1")));
        loop.step();
        assertEquals(List.of("m1"), started);
        delivered("m1");
        loop.step();
        List<String> topics = producer.history().stream().map(ProducerRecord::topic).toList();
        assertEquals(List.of(Topics.INTERNAL_DLQ, Topics.OUTCOME), topics);
        String dead = new String(producer.history().get(0).value(), StandardCharsets.UTF_8);
        assertTrue(dead.contains("\"service\":\"tls-session-service\"") && dead.contains("\"offset\":0"), dead);
    }

    @Test
    void withoutTheOperatorsDecisionsJobsAreDeferredWithoutConnecting() throws Exception {
        controlRead.set(false);
        ExactlyOnceLoop<byte[], byte[]> loop = loop(Duration.ofMillis(200));
        assign(List.of(record(0, "m0")));
        loop.step();
        loop.step();
        assertEquals(List.of(), started, "not delivered unchecked");
        DeliveryOutcome o = outcomes().get(0);
        assertEquals(Status.DEFERRED, o.results().get(0).status());
        assertTrue(o.results().get(0).reason().contains("mail.control"), o.results().get(0).reason());
    }

    /** A record of job {@code id} with a body of {@code size} bytes, handed to the consumer; returns its value, weakly. */
    private WeakReference<byte[]> offer(long offset, String id, int size) throws Exception {
        byte[] body = new byte[size];
        Arrays.fill(body, (byte) 'x');
        byte[] value = job(id, body).framed(mapper.writer());
        consumer.addRecord(new ConsumerRecord<>(Topics.DELIVER, 0, offset, "site", value));
        return new WeakReference<>(value);
    }

    private static void collectGarbage(WeakReference<?> until) throws InterruptedException {
        for (int i = 0; i < 20 && (until == null || until.get() != null); i++) {
            System.gc();
            Thread.sleep(20);
        }
    }

    @Test
    void aJobInFlightHoldsItsBodyButNotItsRecordsValue() throws Exception {
        ExactlyOnceLoop<byte[], byte[]> loop = loop(Duration.ofSeconds(1));
        assign(List.of());
        loop.step(); // assigned
        WeakReference<byte[]> value = offer(0, "m0", 64 * 1024);
        loop.step(); // m0 started, its delivery running
        assertEquals(List.of("m0"), started);
        collectGarbage(value);
        assertTrue(value.get() == null, "the record's 64 KiB value is not kept while its job runs");
        delivered("m0");
        loop.step();
        assertEquals(List.of("m0"), outcomes().stream().map(DeliveryOutcome::messageId).toList());
        List<Map<String, Map<TopicPartition, OffsetAndMetadata>>> commits = producer.consumerGroupOffsetsHistory();
        assertEquals(1, commits.get(commits.size() - 1).values().iterator().next().get(P0).offset(), "committed past m0");
    }

    /**
     * Heap per job in flight, 5 KiB bodies: {@code ./mvnw -o -pl tls-session-service test
     * -Dtest=DeliveriesTest#heapPerJobInFlight -Dwarmwire.bench=true}.
     */
    @Test
    @EnabledIfSystemProperty(named = "warmwire.bench", matches = "true")
    void heapPerJobInFlight() throws Exception {
        int jobs = 4000;
        ExactlyOnceLoop<byte[], byte[]> loop = loop(Duration.ofSeconds(1), jobs + 1);
        assign(List.of());
        loop.step();
        Runtime rt = Runtime.getRuntime();
        collectGarbage(null);
        long before = rt.totalMemory() - rt.freeMemory();
        for (int i = 0; i < jobs; i++) {
            offer(i, "m" + i, 5120);
        }
        loop.step();
        assertEquals(jobs, started.size());
        collectGarbage(null);
        long after = rt.totalMemory() - rt.freeMemory();
        System.out.printf("DeliveriesTest: %d jobs in flight, 5,120-byte bodies: %.0f bytes of heap each%n", jobs,
                (after - before) / (double) jobs);
    }
}
