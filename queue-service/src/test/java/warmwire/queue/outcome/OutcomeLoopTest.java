package warmwire.queue.outcome;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import warmwire.contracts.Topics;
import warmwire.queue.kafka.Fixtures;
import warmwire.queue.kafka.QueueProducer;

/** The outcome loop's transaction steps against MockConsumer and MockProducer. */
class OutcomeLoopTest {
    private static final TopicPartition TP = new TopicPartition(Topics.OUTCOME, 0);
    private final ObjectMapper mapper = Fixtures.mapper();
    private final MockConsumer<String, String> consumer = new MockConsumer<>("earliest");
    private final Deque<MockProducer<String, String>> producers = new ArrayDeque<>();
    private final Deque<MockProducer<String, String>> made = new ArrayDeque<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final OutcomeLoop.Worker worker;

    OutcomeLoopTest() {
        OutcomeReporter reporter = new OutcomeReporter(mapper, new Fixtures.Cache(false).index(), Fixtures.config(),
                new QueueProducer(Fixtures.producer()));
        worker = new OutcomeLoop.Worker(reporter, () -> consumer, () -> {
            MockProducer<String, String> p = producers.removeFirst();
            made.addLast(p);
            return p;
        }, new OutcomeLoop.Stats(registry), "test-1");
        consumer.updateBeginningOffsets(Map.of(TP, 0L));
    }

    private static MockProducer<String, String> producer() {
        return new MockProducer<>(true, null, new StringSerializer(), new StringSerializer());
    }

    /** The partition is assigned at the next poll, which then returns outcomes at offsets 0 and 1. */
    private void assignedWithTwoOutcomes() {
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(TP));
            twoOutcomes();
        });
    }

    private void twoOutcomes() {
        try {
            consumer.addRecord(record(0, "m1"));
            consumer.addRecord(record(1, "m2"));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private ConsumerRecord<String, String> record(long offset, String id) throws Exception {
        return new ConsumerRecord<>(Topics.OUTCOME, 0, offset, id, mapper.writeValueAsString(
                OutcomeReporterTest.outcome(id, null, OutcomeReporterTest.ok("a@x.test"))));
    }

    private static List<String> events(List<ProducerRecord<String, String>> records) {
        return records.stream().filter(r -> r.topic().equals(Topics.EVENTS)).map(ProducerRecord::key).toList();
    }

    private double transactions(String result) {
        return registry.get("warmwire.outcome.transactions").tag("result", result).counter().count();
    }

    @Test
    void aPollIsPublishedInOneTransactionWithItsOffsets() throws Exception {
        MockProducer<String, String> p = producer();
        producers.add(p);
        assignedWithTwoOutcomes();

        worker.step();

        assertTrue(p.transactionInitialized());
        assertTrue(p.transactionCommitted());
        assertEquals(1, p.commitCount());
        assertEquals(List.of("m1", "m2"), events(p.history()), "one delivered event per outcome");
        Map<TopicPartition, OffsetAndMetadata> offsets = p.consumerGroupOffsetsHistory().get(0).values().iterator().next();
        assertEquals(Map.of(TP, new OffsetAndMetadata(2)), offsets, "the poll's next offset, in the same transaction");
        assertEquals(1.0, transactions("committed"));
    }

    @Test
    void aFencedProducerIsReplacedAndTheBatchIsReadAgainFromTheCommittedOffset() throws Exception {
        MockProducer<String, String> fenced = producer();
        fenced.commitTransactionException = new ProducerFencedException("epoch bumped by the coordinator");
        MockProducer<String, String> next = producer();
        producers.add(fenced);
        producers.add(next);
        assignedWithTwoOutcomes();

        worker.step(); // the transaction fails: nothing committed, the producer is closed
        assertFalse(fenced.transactionCommitted());
        assertTrue(fenced.closed(), "a fenced producer is never used again");
        assertEquals(2, consumer.position(TP), "the consumer has moved past the batch");
        assertEquals(1.0, transactions("aborted"));

        consumer.schedulePollTask(this::twoOutcomes); // the broker still has them
        worker.step(); // a new producer, the consumer rewound to offset 0 (nothing committed), the batch again

        assertEquals(2, made.size());
        assertTrue(next.transactionInitialized());
        assertTrue(next.transactionCommitted());
        assertEquals(List.of("m1", "m2"), events(next.history()), "the batch is published by the new producer");
        assertEquals(1.0, transactions("committed"));
        assertEquals(2.0, registry.get("warmwire.outcome.producers.started").counter().count());
    }

    @Test
    void theRewindStartsAtTheCommittedOffset() throws Exception {
        MockProducer<String, String> failing = producer();
        failing.sendOffsetsToTransactionException = new org.apache.kafka.clients.consumer.CommitFailedException("rebalanced");
        MockProducer<String, String> next = producer();
        producers.add(failing);
        producers.add(next);
        assignedWithTwoOutcomes();
        worker.step();
        consumer.commitSync(Map.of(TP, new OffsetAndMetadata(1))); // offset 0 had been committed before

        consumer.schedulePollTask(this::twoOutcomes);
        worker.step();

        assertEquals(List.of("m2"), events(next.history()), "only what was not committed is read again");
    }

    @Test
    void aBrokerThatDoesNotAnswerAtStartIsTriedAgainWithANewProducer() throws Exception {
        MockProducer<String, String> down = producer();
        down.initTransactionException = new TimeoutException("broker down");
        MockProducer<String, String> up = producer();
        producers.add(down);
        producers.add(up);
        assignedWithTwoOutcomes();

        assertThrows(TimeoutException.class, worker::step);
        assertTrue(down.closed());
        worker.step();

        assertTrue(up.transactionCommitted());
        assertEquals(List.of("m1", "m2"), events(up.history()));
    }
}
