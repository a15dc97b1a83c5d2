package warmwire.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The loop over Kafka's mock clients and work the test finishes by hand: output and commit
 * points in one transaction, records finishing out of order, a new owner skipping what an
 * earlier one committed, failed transactions, the handoff at revocation and the in-flight bound.
 */
class ExactlyOnceLoopTest {
    private static final String IN = "in";
    private static final String OUT = "out";
    private static final TopicPartition P0 = new TopicPartition(IN, 0);
    private static final TopicPartition P1 = new TopicPartition(IN, 1);

    /** Commit points as the group coordinator keeps them (MockConsumer forgets its own at a rebalance). */
    private final Map<TopicPartition, OffsetAndMetadata> coordinator = new ConcurrentHashMap<>();
    private final MockConsumer<String, String> consumer = new MockConsumer<>("earliest") {
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
    private final MockProducer<String, String> producer =
            new MockProducer<>(true, null, new StringSerializer(), new StringSerializer());
    /** Records started and not finished, by value. */
    private final Map<String, Runnable> running = new ConcurrentHashMap<>();
    private final List<String> started = new CopyOnWriteArrayList<>();
    /** The size of each call to the work (one per turn that took records). */
    private final List<Integer> batches = new CopyOnWriteArrayList<>();
    private final List<String> calls = new CopyOnWriteArrayList<>();

    private ExactlyOnceLoop<String, String> loop(int maxInFlight) {
        return loop(maxInFlight, Duration.ofSeconds(5));
    }

    private ExactlyOnceLoop<String, String> loop(int maxInFlight, Duration handoff) {
        return loop(maxInFlight, handoff, Duration.ZERO);
    }

    private ExactlyOnceLoop<String, String> loop(int maxInFlight, Duration handoff, Duration commitInterval) {
        return loop(new ExactlyOnceLoop.Settings("test-loop", List.of(IN), commitInterval, 1000, handoff, 4096), maxInFlight);
    }

    /** A loop with a poll linger, a 60 s busy interval and room for 100 records in flight. */
    private ExactlyOnceLoop<String, String> lingering(Duration linger) {
        return loop(new ExactlyOnceLoop.Settings("test-loop", List.of(IN), Duration.ofSeconds(60), 1000, Duration.ofSeconds(5),
                4096, null, linger), 100);
    }

    private ExactlyOnceLoop<String, String> loop(ExactlyOnceLoop.Settings s, int maxInFlight) {
        return new ExactlyOnceLoop<>(s, () -> consumer, () -> producer, (records, results) -> {
            batches.add(records.size());
            for (ConsumerRecord<String, String> r : records) {
                started.add(r.value());
                running.put(r.value(), () -> results.finished(r, List.of(new ProducerRecord<>(OUT, r.key(), "done " + r.value()))));
            }
        }, new InFlightLimit(maxInFlight), new ExactlyOnceLoop.Partitions() {
            @Override
            public void assigned(Set<TopicPartition> partitions) {
                calls.add("assigned " + partitions.size());
            }

            @Override
            public void revoked(Set<TopicPartition> partitions, int inFlight, long handoffMillis) {
                calls.add("revoked " + partitions + " with " + inFlight + " in flight");
            }
        });
    }

    private static ConsumerRecord<String, String> record(TopicPartition tp, long offset, String value) {
        return new ConsumerRecord<>(tp.topic(), tp.partition(), offset, "k", value);
    }

    /** Assigns {@code partitions} at the next poll (the listener runs on the loop's thread), then adds the records. */
    private void assign(List<TopicPartition> partitions, List<ConsumerRecord<String, String>> records) {
        consumer.schedulePollTask(() -> {
            Map<TopicPartition, Long> begin = new HashMap<>();
            partitions.forEach(tp -> begin.put(tp, 0L));
            consumer.updateBeginningOffsets(begin);
            consumer.rebalance(partitions);
            records.forEach(consumer::addRecord);
        });
    }

    private void finish(String value) {
        running.remove(value).run();
    }

    private List<String> output() {
        List<String> out = new ArrayList<>();
        for (ProducerRecord<String, String> r : producer.history()) {
            out.add(r.value());
        }
        return out;
    }

    private OffsetAndMetadata lastCommit(TopicPartition tp) {
        List<Map<String, Map<TopicPartition, OffsetAndMetadata>>> h = producer.consumerGroupOffsetsHistory();
        for (int i = h.size() - 1; i >= 0; i--) {
            for (Map<TopicPartition, OffsetAndMetadata> m : h.get(i).values()) {
                if (m.containsKey(tp)) {
                    return m.get(tp);
                }
            }
        }
        return null;
    }

    @Test
    void outputAndCommitPointsGoInOneTransaction() throws Exception {
        ExactlyOnceLoop<String, String> loop = loop(100);
        assign(List.of(P0), List.of(record(P0, 0, "a"), record(P0, 1, "b")));
        loop.step();
        assertEquals(List.of("a", "b"), started, "both start at once");
        finish("a");
        finish("b");
        loop.step();
        assertEquals(List.of("done a", "done b"), output());
        assertEquals(1, producer.consumerGroupOffsetsHistory().size(), "one transaction");
        assertEquals(2, lastCommit(P0).offset());
        assertEquals("", ExactlyOnceLoop.untag(lastCommit(P0).metadata()));
        assertTrue(producer.transactionCommitted());
        assertEquals(2, loop.stats().records());
        assertTrue(loop.stats().commitSeconds() > 0, "the commit's time is counted");
    }

    /** The input topic has six partitions, as the consumer's metadata tells. */
    private void sixPartitions() {
        List<org.apache.kafka.common.PartitionInfo> six = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            six.add(new org.apache.kafka.common.PartitionInfo(IN, i, null, null, null));
        }
        consumer.updatePartitions(IN, six);
    }

    @Test
    void aMemberOwningAShareOfThePartitionsCommitsLessOftenUpToTheMax() throws Exception {
        sixPartitions();
        ExactlyOnceLoop<String, String> loop = new ExactlyOnceLoop<>(new ExactlyOnceLoop.Settings("test-loop", List.of(IN),
                Duration.ofMillis(100), 1000, Duration.ofSeconds(5), 4096, Duration.ofMillis(500)), () -> consumer,
                () -> producer, (records, results) -> {
                }, new InFlightLimit(100), null);
        assertEquals(100, loop.commitIntervalMillis(), "before any assignment: the configured interval");
        assign(List.of(P0, P1), List.of());
        loop.step();
        assertEquals(300, loop.commitIntervalMillis(), "2 of 6 partitions: a third of the transactions of one owner");
        List<TopicPartition> all = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            all.add(new TopicPartition(IN, i));
        }
        assign(all, List.of());
        loop.step();
        assertEquals(100, loop.commitIntervalMillis(), "every partition: the configured interval");
        assign(List.of(P0), List.of());
        loop.step();
        assertEquals(500, loop.commitIntervalMillis(), "1 of 6 would be 600 ms: at most the max");
    }

    @Test
    void withoutAMaxTheIntervalDoesNotScale() throws Exception {
        sixPartitions();
        ExactlyOnceLoop<String, String> fixed = loop(100, Duration.ofSeconds(5), Duration.ofMillis(100));
        assign(List.of(P0, P1), List.of());
        fixed.step();
        assertEquals(100, fixed.commitIntervalMillis());
    }

    @Test
    void afterAPollThatBroughtRecordsTheNextWaitsForThePollLingerAfterAnEmptyOneItDoesNot() throws Exception {
        ExactlyOnceLoop<String, String> loop = lingering(Duration.ofMillis(300));
        assign(List.of(P0), List.of(record(P0, 0, "a")));
        loop.step();
        assertEquals(List.of("a"), started);
        consumer.addRecord(record(P0, 1, "b"));
        long t0 = System.nanoTime();
        loop.step();
        assertEquals(List.of("a"), started, "b came within the linger of the poll that brought a: not polled yet");
        assertTrue(System.nanoTime() - t0 >= Duration.ofMillis(250).toNanos(), "the step waited out the linger");
        loop.step();
        assertEquals(List.of("a", "b"), started, "the linger over: b is polled");
        finish("a");
        loop.step();
        loop.step();
        assertEquals(List.of(), output(), "waiting within the linger commits nothing early: b is in flight, the interval is 60 s");
        loop.step(); // a poll that finds nothing: caught up
        consumer.addRecord(record(P0, 2, "c"));
        t0 = System.nanoTime();
        loop.step();
        assertEquals(List.of("a", "b", "c"), started, "after a poll that found nothing, the next record is taken at once");
        assertTrue(System.nanoTime() - t0 < Duration.ofMillis(250).toNanos(), "no linger after an empty poll");
    }

    @Test
    void afterALingerOneTurnTakesTheConsumersBufferAndWhatCameSinceIt() throws Exception {
        ExactlyOnceLoop<String, String> loop = lingering(Duration.ofMillis(50));
        assign(List.of(P0), List.of(record(P0, 0, "a")));
        loop.step();
        consumer.addRecord(record(P0, 1, "b")); // what the fetch sent with a's poll brought: buffered
        consumer.schedulePollTask(() -> { }); // the first poll after the linger takes the buffer...
        consumer.schedulePollTask(() -> consumer.addRecord(record(P0, 2, "c"))); // ...its fetch brings c
        loop.step(); // the linger
        loop.step();
        assertEquals(List.of("a", "b", "c"), started, "c came during the linger: taken in the same turn as the buffer");
        assertEquals(List.of(1, 2), batches, "b and c go to the work in one call");
    }

    @Test
    void aRebalanceDuringTheSecondPollDropsTheFirstPollsRecordsOfThePartitionsItMoved() throws Exception {
        ExactlyOnceLoop<String, String> loop = lingering(Duration.ofMillis(50));
        assign(List.of(P0, P1), List.of(record(P0, 0, "a"), record(P1, 0, "x")));
        loop.step();
        finish("a");
        finish("x");
        consumer.addRecord(record(P0, 1, "b")); // buffered before the rebalance
        consumer.addRecord(record(P1, 1, "y"));
        consumer.schedulePollTask(() -> { });
        consumer.schedulePollTask(() -> { // the second poll: every partition revoked and assigned again (eager)
            consumer.rebalance(List.of());
            consumer.rebalance(List.of(P0, P1));
        });
        loop.step(); // the linger
        loop.step();
        assertTrue(calls.contains("assigned 2") && calls.indexOf("assigned 2") != calls.lastIndexOf("assigned 2"), calls.toString());
        assertEquals(Set.of("a", "x"), Set.copyOf(started),
                "b and y were taken before their partitions were assigned anew: read again from the commit points, not started twice");
    }

    @Test
    void anIdleLoopCommitsAtOnceABusyOneWaitsForTheInterval() throws Exception {
        ExactlyOnceLoop<String, String> loop = loop(100, Duration.ofSeconds(5), Duration.ofSeconds(60));
        assign(List.of(P0), List.of(record(P0, 0, "a"), record(P0, 1, "slow")));
        loop.step();
        finish("a");
        loop.step();
        loop.step();
        assertEquals(List.of(), output(), "a record still in flight: the loop is busy, a's output waits for the interval");
        finish("slow");
        loop.step();
        assertEquals(List.of("done a", "done slow"), output(), "all done and nothing more to read: committed now, not in 60 s");
        assertEquals(2, lastCommit(P0).offset());

        consumer.addRecord(record(P0, 2, "c"));
        loop.step();
        finish("c");
        loop.step();
        loop.step();
        assertEquals(2, output().size(), "idle again at once: the next idle commit waits a quarter interval after the last");
        assertEquals(1, loop.stats().transactions());
    }

    @Test
    void aSlowRecordHoldsTheCommitPointAndTheFinishedOnesAboveItAreNamed() throws Exception {
        ExactlyOnceLoop<String, String> loop = loop(100);
        assign(List.of(P0), List.of(record(P0, 0, "slow"), record(P0, 1, "b"), record(P0, 2, "c")));
        loop.step();
        finish("b");
        finish("c");
        loop.step();
        assertEquals(List.of("done b", "done c"), output(), "the slow one holds back nothing");
        assertEquals(0, lastCommit(P0).offset(), "committed up to the slow one");
        assertEquals("w1:3:", ExactlyOnceLoop.untag(lastCommit(P0).metadata()), "1 and 2 are done");
        finish("slow");
        loop.step();
        assertEquals(3, lastCommit(P0).offset());
    }

    @Test
    void aNewOwnerSkipsWhatAnEarlierOwnerCommitted() throws Exception {
        coordinator.put(P0, new OffsetAndMetadata(0, "w1:3:;t7")); // 0 unfinished, 1 and 2 done above it
        ExactlyOnceLoop<String, String> loop = loop(100);
        assign(List.of(P0), List.of(record(P0, 0, "slow"), record(P0, 1, "b"), record(P0, 2, "c"), record(P0, 3, "d")));
        loop.step();
        assertEquals(List.of("slow", "d"), started, "1 and 2 have committed output: not done again");
        assertEquals(2, loop.stats().skipped());
        finish("d");
        loop.step();
        assertEquals(0, lastCommit(P0).offset());
        assertEquals("w1:4:", ExactlyOnceLoop.untag(lastCommit(P0).metadata()), "what the earlier owner knew is kept");
    }

    @Test
    void aFailedTransactionKeepsItsOutputForTheNextOne() throws Exception {
        ExactlyOnceLoop<String, String> loop = loop(100);
        assign(List.of(P0), List.of(record(P0, 0, "a")));
        loop.step();
        finish("a");
        producer.commitTransactionException = new TimeoutException("broker away");
        loop.step();
        assertEquals(List.of(), output(), "nothing committed");
        assertTrue(producer.transactionAborted());
        producer.commitTransactionException = null;
        loop.step();
        assertEquals(List.of("done a"), output(), "once, in the next transaction");
        assertEquals(1, lastCommit(P0).offset());
        assertEquals(1, loop.stats().failed());
    }

    @Test
    void revocationWaitsForItsRecordsAndCommitsThemBeforeTheNewOwnerStarts() throws Exception {
        ExactlyOnceLoop<String, String> loop = loop(100);
        assign(List.of(P0, P1), List.of(record(P0, 0, "a"), record(P1, 0, "other")));
        loop.step();
        Thread finisher = new Thread(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                return;
            }
            finish("a");
        });
        consumer.schedulePollTask(() -> {
            finisher.start();
            consumer.rebalance(List.of(P1)); // P0 moves away
        });
        long t0 = System.nanoTime();
        loop.step();
        assertTrue(System.nanoTime() - t0 >= 250_000_000L, "the revocation waited for the record in flight");
        assertEquals(List.of("done a"), output(), "committed before the partition went");
        assertEquals(1, lastCommit(P0).offset());
        assertTrue(calls.contains("revoked [in-0] with 0 in flight"), calls.toString());
    }

    @Test
    void outputOfARecordStillRunningAtTheHandoffTimeoutIsDropped() throws Exception {
        ExactlyOnceLoop<String, String> loop = loop(100, Duration.ofMillis(300));
        assign(List.of(P0), List.of(record(P0, 0, "a")));
        loop.step();
        consumer.schedulePollTask(() -> consumer.rebalance(List.of()));
        Thread late = new Thread(() -> {
            try {
                Thread.sleep(600);
            } catch (InterruptedException e) {
                return;
            }
            finish("a");
        });
        late.start();
        loop.step(); // revocation: 300 ms handoff, "a" still running
        assertTrue(calls.contains("revoked [in-0] with 1 in flight"), calls.toString());
        late.join();
        loop.step();
        assertEquals(List.of(), output(), "its new owner redoes it; this output is dropped");
    }

    @Test
    void fetchingPausesAtTheInFlightBoundAndResumesBelowIt() throws Exception {
        ExactlyOnceLoop<String, String> loop = loop(2);
        assign(List.of(P0), List.of(record(P0, 0, "a"), record(P0, 1, "b")));
        loop.step();
        loop.step();
        assertTrue(consumer.paused().contains(P0), "two in flight: no more fetching");
        finish("a");
        loop.step();
        assertFalse(consumer.paused().contains(P0), "a slot is free again");
    }

    @Test
    void aFencedProducerMakesTheLoopStartOverWithNewClientsAndTheRecordIsDoneAgain() throws Exception {
        MockProducer<String, String> first = new MockProducer<>(true, null, new StringSerializer(), new StringSerializer());
        MockProducer<String, String> second = new MockProducer<>(true, null, new StringSerializer(), new StringSerializer());
        List<MockProducer<String, String>> producers = new CopyOnWriteArrayList<>(List.of(first, second));
        MockConsumer<String, String> again = new MockConsumer<>("earliest");
        List<MockConsumer<String, String>> consumers = new CopyOnWriteArrayList<>(List.of(consumer, again));
        List<ProducerRecord<String, String>> outputs = new CopyOnWriteArrayList<>();
        ExactlyOnceLoop.Settings s = new ExactlyOnceLoop.Settings("test-loop", List.of(IN), Duration.ZERO, 1000,
                Duration.ofSeconds(1), 4096);
        ExactlyOnceLoop<String, String> loop = new ExactlyOnceLoop<>(s, () -> consumers.remove(0), () -> producers.remove(0),
                (records, results) -> records.forEach(r -> results.finished(r, List.of(new ProducerRecord<>(OUT, "k", "done " + r.value())))),
                new InFlightLimit(100), null);
        assign(List.of(P0), List.of(record(P0, 0, "a")));
        again.schedulePollTask(() -> {
            again.updateBeginningOffsets(Map.of(P0, 0L));
            again.rebalance(List.of(P0));
            again.addRecord(record(P0, 0, "a"));
        });
        first.commitTransactionException = new org.apache.kafka.common.errors.ProducerFencedException("another process took the id");
        Thread t = loop.start();
        await("the new producer's output").atMost(Duration.ofSeconds(10)).until(() -> !second.history().isEmpty());
        loop.stop();
        t.join(5000);
        assertEquals(List.of(), first.history(), "nothing committed by the fenced producer");
        assertEquals(List.of("done a"), second.history().stream().map(ProducerRecord::value).toList(),
                "the new clients read the record again and committed its output once");
        assertEquals(2, loop.stats().producers());
        assertTrue(consumer.closed(), "the old consumer was closed");
    }

    @Test
    void workThatThrowsMakesTheLoopStartOverAndItsSlotsAreFreedSoTheRecordIsDoneAgain() throws Exception {
        MockProducer<String, String> second = new MockProducer<>(true, null, new StringSerializer(), new StringSerializer());
        List<MockProducer<String, String>> producers = new CopyOnWriteArrayList<>(List.of(producer, second));
        MockConsumer<String, String> again = new MockConsumer<>("earliest");
        List<MockConsumer<String, String>> consumers = new CopyOnWriteArrayList<>(List.of(consumer, again));
        ExactlyOnceLoop.Settings s = new ExactlyOnceLoop.Settings("test-loop", List.of(IN), Duration.ZERO, 1000,
                Duration.ofSeconds(1), 4096);
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        // one slot: had the failed record kept it, the new consumer would stay paused for good
        InFlightLimit limit = new InFlightLimit(1);
        ExactlyOnceLoop<String, String> loop = new ExactlyOnceLoop<>(s, () -> consumers.remove(0), () -> producers.remove(0),
                (records, results) -> {
                    if (calls.incrementAndGet() == 1) {
                        throw new IllegalStateException("a bug in the work");
                    }
                    records.forEach(r -> results.finished(r, List.of(new ProducerRecord<>(OUT, "k", "done " + r.value()))));
                }, limit, null);
        assign(List.of(P0), List.of(record(P0, 0, "a")));
        again.schedulePollTask(() -> {
            again.updateBeginningOffsets(Map.of(P0, 0L));
            again.rebalance(List.of(P0));
            again.addRecord(record(P0, 0, "a"));
        });
        Thread t = loop.start();
        await("the record done again").atMost(Duration.ofSeconds(10)).until(() -> !second.history().isEmpty());
        loop.stop();
        t.join(5000);
        assertEquals(List.of("done a"), second.history().stream().map(ProducerRecord::value).toList());
        assertEquals(2, calls.get(), "the work was called again after the failure");
        assertEquals(0, limit.inFlight(), "no slot left taken");
        assertTrue(consumer.closed(), "the old consumer was closed");
    }

    @Test
    void aBrokerThatDoesNotAnswerAtStartIsTriedAgainWithANewProducer() throws Exception {
        MockProducer<String, String> down = new MockProducer<>(true, null, new StringSerializer(), new StringSerializer());
        down.initTransactionException = new TimeoutException("no broker");
        List<MockProducer<String, String>> producers = new CopyOnWriteArrayList<>(List.of(down, producer));
        ExactlyOnceLoop.Settings s = new ExactlyOnceLoop.Settings("test-loop", List.of(IN), Duration.ZERO, 1000,
                Duration.ofSeconds(1), 4096);
        ExactlyOnceLoop<String, String> loop = new ExactlyOnceLoop<>(s, () -> consumer, () -> producers.remove(0),
                (records, results) -> records.forEach(r -> results.finished(r, List.of())), new InFlightLimit(100), null);
        try {
            loop.step();
        } catch (TimeoutException expected) {
            // run() would pause a second and start over
        }
        assertTrue(down.closed(), "the producer that could not start is closed");
        loop.step();
        assertTrue(producer.transactionInitialized(), "the next producer started");
    }
}
