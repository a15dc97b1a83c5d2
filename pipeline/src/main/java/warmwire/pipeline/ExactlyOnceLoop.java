package warmwire.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * NAME
 *   ExactlyOnceLoop - one hop of the mail flow: records in, work that may finish out of order,
 *   the work's records out, exactly once.
 * DESCRIPTION
 *   One thread, one plain Kafka consumer (read_committed, no auto commit) and one
 *   transactional producer. Step by step:
 *     1. poll (twice when the consumer's buffer may predate the turn's records, so that each
 *        record is taken at the first turn after it came: {@link #poll}); records an earlier
 *        owner of their partition finished ({@link CommitPoints}) are
 *        skipped; the others go to the {@link Work} at once, a poll's worth in one call (batch
 *        lookups stay batch lookups), so a slow record never holds back the ones behind it;
 *     2. the work reports each record's output records when it is done, from any thread
 *        ({@link Results#finished}); they wait in a queue for the loop;
 *     3. when the loop is idle (every record it took is done and a poll found no more), or
 *        every {@code commitInterval} while it is busy, or when {@code commitBatch} records'
 *        results wait, one Kafka transaction carries the waiting output records and the commit
 *        points of the input partitions: the lowest unfinished record, and the finished records
 *        above it in the offset's metadata, with the consumer's group metadata, so a member
 *        that lost its partitions in a rebalance cannot commit for them. Idle commits are at
 *        least a quarter of {@code commitInterval} apart: a trickle of mail waits a few
 *        milliseconds per hop, not a whole interval, and a backlog (never idle) still goes in
 *        transactions of hundreds of records.
 *   An output record and "its input is done" are one atomic write: after a crash, a restart or
 *   a rebalance the next owner of a partition redoes exactly the records without committed
 *   output. One transaction carries hundreds of records, so its fixed cost (a few requests and
 *   markers) is spread over them; per record there is no mark, no acknowledgement, no lookup.
 *   While the {@link InFlightLimit} is reached (records or bytes), fetching pauses.
 * FAILURES
 *   A transaction that fails (broker restart, timeout) is aborted, or its producer replaced
 *   (which aborts it, or completes a commit already decided: the commit points, tagged with
 *   the transaction's sequence, then say so and the records are not sent twice); its records
 *   wait for the next one. A fenced producer or consumer (another process with this
 *   transactional or instance id), or work that throws, makes the loop start over with new
 *   clients after a pause: records without committed output are read again.
 * REBALANCES
 *   On revocation the loop tells {@link Partitions#revoking}, waits up to {@code handoffTimeout}
 *   for the partitions' records in flight, commits their output and commit points, and only
 *   then returns, so the new owner starts after them; output of a record still running then is
 *   dropped when it ends (the new owner redoes it). Lost partitions (session timeout) are
 *   dropped without a commit.
 */
public final class ExactlyOnceLoop<V, O> implements Runnable {
    private static final Logger LOG = Logger.getLogger(ExactlyOnceLoop.class);
    private static final long PAUSE_MS = 1000;
    /** A buffer older than this may hold a fetch made before the turn's records came ({@link #poll}). */
    private static final long FRESH_AFTER_MS = 10;
    /**
     * How long the second poll of {@link #poll} waits at most for the fetch the first one sent. It
     * returns as soon as that fetch brings records; a busy broker on 2 cores took more than 10 ms
     * to answer (BENCHMARKS.md, 2026-12-08).
     */
    private static final long FRESH_WAIT_MS = 50;

    /** What the hop does with its records. */
    public interface Work<V, O> {
        /**
         * Starts the work of a poll's records (in offset order within each partition). For every
         * one of them {@code results.finished} must be called exactly once, now or later, from
         * any thread. Runs on the loop's thread: blocking here holds every partition.
         */
        void start(List<ConsumerRecord<String, V>> records, Results<O> results);
    }

    /** Where the work reports a record's output. */
    public interface Results<O> {
        /** {@code record} is done; {@code out} (possibly empty) is what it causes. */
        default void finished(ConsumerRecord<?, ?> record, List<ProducerRecord<String, O>> out) {
            finished(record, out, null);
        }

        /**
         * {@code record} is done, and {@code settled} (may be null) learns whether its output was
         * committed or dropped (partition revoked, loop restarted): exactly one call, on the
         * loop's thread.
         */
        void finished(ConsumerRecord<?, ?> record, List<ProducerRecord<String, O>> out, Settled settled);
    }

    /** What became of a record's output. */
    public interface Settled {
        /** Committed in a transaction with its input's commit point. */
        void committed();

        /** Dropped: not committed here (its input is redone by whoever owns it next). */
        void dropped();
    }

    /** The hop's side of a rebalance (all optional). Called on the loop's thread. */
    public interface Partitions {
        /** {@code partitions} are this member's now. */
        default void assigned(Set<TopicPartition> partitions) {
        }

        /** No work of {@code partitions} may start from now on (before the handoff wait). */
        default void revoking(Set<TopicPartition> partitions) {
        }

        /** {@code partitions} are given away ({@code inFlight}: records still running, -1: lost without a commit). */
        default void revoked(Set<TopicPartition> partitions, int inFlight, long handoffMillis) {
        }
    }

    /**
     * The loop's settings; {@code name} names its thread and its log lines. With
     * {@code commitIntervalMax} set, {@code commitInterval} is the busy interval of a member that
     * owns every partition of its topics: a member owning a share of them waits
     * {@code commitInterval / share}, at most {@code commitIntervalMax}, so that the group as a
     * whole commits about as often whatever its size. Each transaction costs the broker a few
     * requests and a marker in every partition it touched, whatever its size: three members at
     * 100 ms made three times the transactions of one, for the same mail (BENCHMARKS.md). Idle
     * commits keep their gap of a quarter {@code commitInterval}. With {@code pollLinger} above
     * zero, a poll that brought records is followed by the next no sooner than that: a trickle of
     * small sends is taken a few at a time instead of one poll (and one round of the work's
     * per-poll calls) each; a poll that found nothing is followed at once, so the first record
     * after a quiet spell waits for nothing.
     */
    public record Settings(String name, Collection<String> topics, Duration commitInterval, int commitBatch,
                           Duration handoffTimeout, int metadataBytes, Duration commitIntervalMax, Duration pollLinger) {
        public Settings(String name, Collection<String> topics, Duration commitInterval, int commitBatch,
                        Duration handoffTimeout, int metadataBytes) {
            this(name, topics, commitInterval, commitBatch, handoffTimeout, metadataBytes, null);
        }

        public Settings(String name, Collection<String> topics, Duration commitInterval, int commitBatch,
                        Duration handoffTimeout, int metadataBytes, Duration commitIntervalMax) {
            this(name, topics, commitInterval, commitBatch, handoffTimeout, metadataBytes, commitIntervalMax, Duration.ZERO);
        }
    }

    /** Counters of the loop (metrics read them). */
    public static final class Stats {
        volatile long transactions;
        volatile long failed;
        volatile long skipped;
        volatile long records;
        volatile long truncations;
        volatile long producers;
        volatile long commitNanos;

        /** Time the loop spent in committed transactions (send, commit points, commit), in seconds. */
        public double commitSeconds() {
            return commitNanos / 1e9;
        }

        /** Transactional producers started (one at the start, one more after each failure that needed a new one). */
        public long producers() {
            return producers;
        }

        /** Transactions committed. */
        public long transactions() {
            return transactions;
        }

        /** Transactions that failed (their records went in a later one, or were read again). */
        public long failed() {
            return failed;
        }

        /** Records read again whose output an earlier owner committed: not worked again. */
        public long skipped() {
            return skipped;
        }

        /** Input records whose output was committed. */
        public long records() {
            return records;
        }

        /** Commits whose metadata could not name every unfinished record (more are redone after a crash). */
        public long truncations() {
            return truncations;
        }
    }

    private final Settings settings;
    private final Supplier<Consumer<String, V>> consumers;
    private final Supplier<Producer<String, O>> producers;
    private final Work<V, O> work;
    private final InFlightLimit limit;
    private final Partitions partitions;
    private final Stats stats = new Stats();

    private final LinkedBlockingQueue<Finished<O>> finished = new LinkedBlockingQueue<>();
    private final List<Finished<O>> waiting = new ArrayList<>();
    private final Map<TopicPartition, Integer> inFlight = new HashMap<>();
    /** Per owned partition: the assignment it came with (results of an earlier assignment are dropped). */
    private final Map<TopicPartition, Long> assignment = new HashMap<>();
    private long assignments;
    private long waitingSince = -1;
    /** The busy commit interval now: {@link Settings#commitInterval}, scaled by the share owned ({@link #scaleInterval}). */
    private volatile long intervalNanos;
    /** When the last transaction committed (System.nanoTime). */
    private long committedAt = System.nanoTime() - Long.MAX_VALUE / 4;
    /** The last poll found nothing to take: with nothing in flight, the loop is idle. */
    private boolean caughtUp;

    private Consumer<String, V> consumer;
    private Producer<String, O> producer;
    private CommitPoints points;
    private boolean paused;
    private volatile boolean stopping;
    private volatile boolean stopped;
    private long txnSeq;
    /** Polls that found records since the last commit (the DEBUG line of a commit says how many). */
    private int polls;
    /** When the last poll that found records returned (System.nanoTime), or -1 after one that found none. */
    private long recordsPolledAt = -1;

    /** A record that is done: its output, where it came from, and the assignment it was started under. */
    private record Finished<O>(long gen, TopicPartition partition, long offset, List<ProducerRecord<String, O>> out, long size,
                               Settled settled) {
        void committed() {
            if (settled != null) {
                settled.committed();
            }
        }

        void dropped() {
            if (settled != null) {
                settled.dropped();
            }
        }
    }

    public ExactlyOnceLoop(Settings settings, Supplier<Consumer<String, V>> consumers, Supplier<Producer<String, O>> producers,
                           Work<V, O> work, InFlightLimit limit, Partitions partitions) {
        this.settings = settings;
        this.intervalNanos = settings.commitInterval().toNanos();
        this.consumers = consumers;
        this.producers = producers;
        this.work = work;
        this.limit = limit;
        this.partitions = partitions == null ? new Partitions() {
        } : partitions;
    }

    public Stats stats() {
        return stats;
    }

    /** Records taken and not yet committed. */
    public int inFlight() {
        return limit.inFlight();
    }

    /**
     * The partition count of {@code topic} as the consumer knows it, -1 when unknown. For the
     * {@link Partitions} hooks, on the loop's thread.
     */
    public int partitionCount(String topic) {
        try {
            return consumer == null ? -1 : consumer.partitionsFor(topic).size();
        } catch (RuntimeException e) {
            LOG.warnf("%s: partition count of %s unknown (%s)", settings.name(), topic, e.toString());
            return -1;
        }
    }

    /** Starts the loop on a daemon thread of its own, named after it. */
    public Thread start() {
        Thread t = new Thread(this, settings.name());
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Override
    public void run() {
        while (!stopping) {
            try {
                step();
            } catch (WakeupException e) {
                // stop() woke the consumer
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (Exception e) {
                if (stopping) {
                    break;
                }
                LOG.errorf(e, "%s: %s; consumer and producer are made anew, records without committed output are read again",
                        settings.name(), e.toString());
                restart();
                pause();
            }
        }
        try {
            drain();
        } catch (RuntimeException e) {
            LOG.warnf("%s: last output not committed (%s): its records are redone", settings.name(), e.toString());
        }
        closeClients();
        stopped = true;
    }

    /** One turn: clients, commit what is due, pause or resume, poll, start work. Public for tests. */
    public void step() throws Exception {
        if (producer == null) {
            newProducer();
        }
        if (consumer == null) {
            points = new CommitPoints(settings.metadataBytes());
            consumer = consumers.get();
            consumer.subscribe(settings.topics(), new Listener());
        }
        collect(0);
        if (due()) {
            commit();
        }
        flowControl();
        long linger = lingerLeft();
        if (linger > 0) { // the last poll brought records: let more come before the next (Settings.pollLinger)
            collect(Math.max(1, TimeUnit.NANOSECONDS.toMillis(Math.min(linger, untilDue()) + 999_999)));
            return;
        }
        ConsumerRecords<String, V> records = poll();
        caughtUp = records.isEmpty();
        recordsPolledAt = caughtUp ? -1 : System.nanoTime();
        if (!caughtUp) {
            polls++;
            handle(records);
        }
        for (TopicPartition tp : records.partitions()) {
            if (points.owns(tp)) {
                points.position(tp, consumer.position(tp));
            }
        }
    }

    /**
     * A poll's records, up to date. The consumer fetches ahead: a poll that returns records sends
     * the next fetch at once, and the broker answers it as soon as anything is there, with the
     * few milliseconds' worth that came meanwhile. What arrives after that waits at the broker
     * until the consumer's next fetch, which it sends only when a poll has taken that buffer. So
     * after a linger or a long turn, a single poll returns the old buffer, and the turn's records
     * wait for the turn after: each record waited one to two turns before its poll instead of at
     * most one (the newest submission of a dispatch commit had waited 1.3 to 2 commit intervals,
     * BENCHMARKS.md 2026-12-08).
     * When the last poll that brought records is {@link #FRESH_AFTER_MS} old or more, the buffer
     * is taken without waiting, and a second poll waits up to {@link #FRESH_WAIT_MS} for the
     * fetch that the first one sent: one more fetch a turn, and every record is taken at the
     * first turn after it came. A rebalance inside the second poll drops the first poll's records
     * of the partitions it moved (given away, or revoked and assigned again): their next owner,
     * this member or another, reads them again from their commit points.
     */
    private ConsumerRecords<String, V> poll() {
        boolean stale = recordsPolledAt >= 0
                && System.nanoTime() - recordsPolledAt >= TimeUnit.MILLISECONDS.toNanos(FRESH_AFTER_MS);
        if (!stale) {
            return consumer.poll(Duration.ofNanos(pollWait()));
        }
        ConsumerRecords<String, V> buffered = consumer.poll(Duration.ZERO);
        if (buffered.isEmpty()) { // nothing buffered: the fetch outstanding brings what is new
            return consumer.poll(Duration.ofNanos(pollWait()));
        }
        Map<TopicPartition, Long> gens = new HashMap<>();
        buffered.partitions().forEach(tp -> gens.put(tp, assignment.get(tp)));
        ConsumerRecords<String, V> fresh = consumer.poll(Duration.ofMillis(FRESH_WAIT_MS));
        Map<TopicPartition, List<ConsumerRecord<String, V>>> all = new HashMap<>();
        gens.forEach((tp, gen) -> {
            // the second poll rebalanced: a partition given away, or taken anew (its position went
            // back to its commit point), is read again from there; the first poll's copy is dropped
            if (gen != null && gen.equals(assignment.get(tp))) {
                all.put(tp, new ArrayList<>(buffered.records(tp)));
            }
        });
        for (TopicPartition tp : fresh.partitions()) { // a partition's fresh records after its buffered ones
            all.computeIfAbsent(tp, p -> new ArrayList<>()).addAll(fresh.records(tp));
        }
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>(buffered.nextOffsets());
        next.putAll(fresh.nextOffsets());
        next.keySet().retainAll(all.keySet());
        return new ConsumerRecords<>(all, next);
    }

    private void handle(ConsumerRecords<String, V> records) {
        List<ConsumerRecord<String, V>> todo = new ArrayList<>(records.count());
        // the assignment each record was started under, by partition: the callback keeps no
        // record, so a job's record (and its value) lives only as long as the work keeps it
        Map<TopicPartition, Long> gens = new HashMap<>();
        for (ConsumerRecord<String, V> r : records) {
            TopicPartition tp = new TopicPartition(r.topic(), r.partition());
            if (!points.owns(tp)) {
                continue; // revoked meanwhile: its new owner reads it from the commit point
            }
            if (points.fetched(tp, r.offset()) == CommitPoints.Fetch.DONE) {
                stats.skipped++;
                LOG.infof("%s: %s@%d has its output committed already (an earlier owner did it): skipped", settings.name(),
                        tp, r.offset());
                continue;
            }
            long size = Math.max(0, r.serializedValueSize());
            limit.acquire(size);
            inFlight.merge(tp, 1, Integer::sum);
            gens.computeIfAbsent(tp, assignment::get);
            todo.add(r);
        }
        if (todo.isEmpty()) {
            return;
        }
        work.start(todo, (r, out, settled) -> {
            TopicPartition tp = new TopicPartition(r.topic(), r.partition());
            Long gen = gens.get(tp);
            finished.add(new Finished<>(gen == null ? -1 : gen, tp, r.offset(), out == null ? List.of() : out,
                    Math.max(0, r.serializedValueSize()), settled));
        });
    }

    /**
     * What {@link Results#finished} needs of {@code r} (topic, partition, offset, sizes, key),
     * without its value: for work that keeps a record until its job ends, once the value is
     * read, so that a job in flight does not hold its record's bytes as well as what it made of
     * them.
     */
    public static <K, V> ConsumerRecord<K, V> withoutValue(ConsumerRecord<K, V> r) {
        return new ConsumerRecord<>(r.topic(), r.partition(), r.offset(), r.timestamp(), r.timestampType(),
                r.serializedKeySize(), r.serializedValueSize(), r.key(), null, r.headers(), r.leaderEpoch());
    }

    /** Moves finished records from the queue to the waiting list, waiting at most {@code millis} for the first. */
    private void collect(long millis) throws InterruptedException {
        Finished<O> f = millis > 0 ? finished.poll(millis, TimeUnit.MILLISECONDS) : finished.poll();
        while (f != null) {
            limit.release(f.size());
            Long gen = assignment.get(f.partition());
            if (gen != null && gen == f.gen()) {
                inFlight.computeIfPresent(f.partition(), (p, n) -> n - 1);
                if (waiting.isEmpty()) {
                    waitingSince = System.nanoTime();
                }
                waiting.add(f);
            } else {
                f.dropped();
            }
            f = finished.poll();
        }
    }

    /**
     * Whether the waiting output is committed now: a full batch, a commit interval since the
     * first of it, or the loop idle and the last commit at least {@link #idleGap} ago.
     */
    private boolean due() {
        if (waiting.isEmpty()) {
            return false;
        }
        long now = System.nanoTime();
        return waiting.size() >= settings.commitBatch() || now - waitingSince >= intervalNanos
                || caughtUp && inFlightTotal() == 0 && now - committedAt >= idleGap();
    }

    /**
     * After a change of assignment: the busy interval for the share of the topics' partitions
     * this member owns now ({@link Settings}); unchanged without {@code commitIntervalMax}, or
     * while the partition count is unknown.
     */
    private void scaleInterval() {
        if (settings.commitIntervalMax() == null) {
            return;
        }
        long base = settings.commitInterval().toNanos();
        int total = 0;
        for (String topic : settings.topics()) {
            int n = partitionCount(topic);
            if (n <= 0) {
                intervalNanos = base;
                return;
            }
            total += n;
        }
        int owned = Math.max(1, assignment.size());
        long scaled = (long) (base * ((double) total / owned));
        long next = Math.max(base, Math.min(scaled, settings.commitIntervalMax().toNanos()));
        if (next != intervalNanos && !stopping) {
            LOG.infof("%s: %d of %d partitions owned: transactions every %d ms while busy", settings.name(),
                    assignment.size(), total, next / 1_000_000);
        }
        intervalNanos = next;
    }

    /** The busy commit interval now, in milliseconds (a gauge of the delivery loop; any thread). */
    public long commitIntervalMillis() {
        return intervalNanos / 1_000_000;
    }

    /** The least time between two commits made because the loop was idle: a quarter of the commit interval. */
    private long idleGap() {
        return settings.commitInterval().toNanos() / 4;
    }

    /** How much longer the next poll waits after one that found records ({@link Settings#pollLinger}); 0: none. */
    private long lingerLeft() {
        Duration linger = settings.pollLinger();
        if (recordsPolledAt < 0 || linger == null || linger.isZero() || stopping) {
            return 0;
        }
        return recordsPolledAt + linger.toNanos() - System.nanoTime();
    }

    /** Nanoseconds until the waiting output is due by the busy interval (Long.MAX_VALUE: nothing waits). */
    private long untilDue() {
        return waiting.isEmpty() ? Long.MAX_VALUE : Math.max(0, waitingSince + intervalNanos - System.nanoTime());
    }

    /**
     * How long the next poll may wait for records: long when there is nothing to commit; while
     * records are in flight, briefly, to see them finish; with everything done, until an idle
     * commit is allowed (zero when it is: a poll that finds nothing buffered makes the loop idle).
     */
    private long pollWait() {
        long ms = TimeUnit.MILLISECONDS.toNanos(1);
        boolean busy = inFlightTotal() > 0;
        if (waiting.isEmpty() && !busy) {
            return 500 * ms;
        }
        long untilDue = untilDue();
        if (busy) {
            return Math.max(ms, Math.min(5 * ms, untilDue));
        }
        return Math.max(0, Math.min(committedAt + idleGap() - System.nanoTime(), untilDue));
    }

    /**
     * One transaction: the waiting output of partitions still owned and their commit points.
     * On failure the output stays waiting (unless the commit is found to have gone through).
     */
    private void commit() {
        List<Finished<O>> batch = new ArrayList<>();
        for (Finished<O> f : waiting) {
            if (points.owns(f.partition())) {
                batch.add(f);
            }
        }
        for (Finished<O> f : batch) {
            points.finished(f.partition(), f.offset());
        }
        Map<TopicPartition, CommitPoints.Commit> next = points.commits();
        if (batch.isEmpty() && next.isEmpty()) {
            dropAll(waiting);
            return;
        }
        long seq = ++txnSeq;
        Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
        next.forEach((tp, c) -> commits.put(tp, new OffsetAndMetadata(c.offset(), tag(seq, c.metadata()))));
        long begun = System.nanoTime();
        long sent = begun;
        long offsets = begun;
        try {
            producer.beginTransaction();
            for (Finished<O> f : batch) {
                for (ProducerRecord<String, O> r : f.out()) {
                    producer.send(r); // a failed send fails commitTransaction
                }
            }
            sent = System.nanoTime();
            producer.sendOffsetsToTransaction(commits, consumer.groupMetadata());
            offsets = System.nanoTime();
            producer.commitTransaction();
        } catch (ProducerFencedException | FencedInstanceIdException | OutOfOrderSequenceException
                 | UnsupportedVersionException | AuthorizationException e) {
            stats.failed++;
            throw e; // fatal for these clients: run() starts over, and the records are read again
        } catch (RuntimeException e) {
            stats.failed++;
            LOG.warnf("%s: transaction of %d record(s) failed (%s); retried", settings.name(), batch.size(), e.toString());
            if (!abortOrCheck(commits)) {
                for (Finished<O> f : batch) {
                    points.unfinished(f.partition(), f.offset());
                }
                waitingSince = System.nanoTime(); // the next try after a commit interval
                return;
            }
        }
        committedAt = System.nanoTime();
        stats.commitNanos += committedAt - begun;
        if (LOG.isDebugEnabled()) {
            LOG.debugf("%s: committed %d record(s) of %d poll(s), oldest waited %d ms; send %d ms, commit points %d ms, commit %d ms",
                    settings.name(), batch.size(), polls, (begun - waitingSince) / 1_000_000, (sent - begun) / 1_000_000,
                    (offsets - sent) / 1_000_000, (committedAt - offsets) / 1_000_000);
        }
        polls = 0;
        stats.transactions++;
        stats.records += batch.size();
        stats.truncations = points.truncations();
        points.committed(next);
        for (Finished<O> f : batch) {
            f.committed();
        }
        // what was waiting and is not in the batch belongs to partitions no longer owned
        if (waiting.size() != batch.size()) {
            for (Finished<O> f : waiting) {
                if (!points.owns(f.partition())) {
                    f.dropped();
                }
            }
        }
        waiting.clear();
    }

    private void dropAll(List<Finished<O>> fs) {
        for (Finished<O> f : fs) {
            f.dropped();
        }
        fs.clear();
    }

    /** The metadata of a commit, tagged with the transaction's sequence (so a commit can be recognised). */
    private static String tag(long seq, String metadata) {
        return metadata + ";t" + Long.toString(seq, 36);
    }

    /** The metadata without the transaction tag. */
    public static String untag(String metadata) {
        if (metadata == null) {
            return null;
        }
        int t = metadata.lastIndexOf(";t");
        return t < 0 ? metadata : metadata.substring(0, t);
    }

    /** A new transactional producer (initTransactions fences every earlier one of its id), or the failure. */
    private void newProducer() {
        Producer<String, O> p = producers.get();
        try {
            p.initTransactions();
        } catch (RuntimeException e) {
            p.close(Duration.ZERO);
            throw e;
        }
        producer = p;
        stats.producers++;
    }

    /**
     * After a failed commit: abort; if the producer cannot abort, replace it (its transaction is
     * aborted, or completed when its commit was already decided) and ask the group coordinator
     * whether the commit points went through.
     */
    private boolean abortOrCheck(Map<TopicPartition, OffsetAndMetadata> commits) {
        try {
            producer.abortTransaction();
            return false;
        } catch (RuntimeException e) {
            closeProducer();
        }
        newProducer();
        if (commits.isEmpty()) {
            return false;
        }
        Map<TopicPartition, OffsetAndMetadata> now = consumer.committed(commits.keySet(), Duration.ofSeconds(10));
        for (Map.Entry<TopicPartition, OffsetAndMetadata> c : commits.entrySet()) {
            OffsetAndMetadata o = now.get(c.getKey());
            if (o == null || o.offset() != c.getValue().offset() || !o.metadata().equals(c.getValue().metadata())) {
                return false;
            }
        }
        return true;
    }

    /** Pauses fetching while the in-flight bound is reached; resumes below it. */
    private void flowControl() {
        if (limit.full()) {
            consumer.pause(consumer.assignment());
            paused = true;
        } else if (paused) {
            consumer.resume(consumer.paused());
            paused = false;
        }
    }

    /** At stop: no new work; what is in flight ends (bounded by the handoff timeout) and its output is committed. */
    private void drain() {
        if (consumer == null || producer == null) {
            return;
        }
        long end = System.nanoTime() + settings.handoffTimeout().toNanos();
        try {
            while (inFlightTotal() > 0 && System.nanoTime() < end) {
                collect(50);
                if (due()) {
                    commit();
                }
            }
            collect(0);
            commit();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int left = inFlightTotal();
        if (left > 0) {
            LOG.warnf("%s: stopping with %d record(s) still in flight: they are redone after the restart", settings.name(), left);
        }
    }

    private int inFlightTotal() {
        int n = 0;
        for (int v : inFlight.values()) {
            n += v;
        }
        return n;
    }

    /** New clients from scratch: work still in flight belongs to the old ones, and its output is dropped when it ends. */
    private void restart() {
        assignment.clear();
        dropAll(waiting);
        inFlight.clear();
        // records whose work threw never finish: their slots would stay taken and, failure after
        // failure, pause fetching for good; work still running releases into the cleared count
        limit.reset();
        closeClients();
    }

    private void closeClients() {
        closeProducer();
        if (consumer != null) {
            try {
                consumer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.debugf("%s: closing the consumer: %s", settings.name(), e);
            }
            consumer = null;
        }
        paused = false;
    }

    private void closeProducer() {
        if (producer != null) {
            try {
                producer.close(Duration.ZERO);
            } catch (RuntimeException e) {
                LOG.debugf("%s: closing the producer: %s", settings.name(), e);
            }
            producer = null;
        }
    }

    private void pause() {
        try {
            Thread.sleep(PAUSE_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping = true;
        }
    }

    /** Stops fetching; the loop commits what finishes within the handoff timeout and closes its clients. */
    public void stop() {
        stopping = true;
        Consumer<String, V> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    public boolean stopped() {
        return stopped;
    }

    /** The fence: runs on the loop's thread, inside poll. */
    private final class Listener implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> got) {
            if (got.isEmpty()) {
                return;
            }
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(got));
            for (TopicPartition tp : got) {
                OffsetAndMetadata o = committed.get(tp);
                points.assigned(tp, o == null ? -1 : o.offset(), o == null ? null : untag(o.metadata()));
                assignment.put(tp, ++assignments);
                inFlight.remove(tp);
            }
            partitions.assigned(new HashSet<>(got));
            scaleInterval();
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> gave) {
            if (gave.isEmpty()) {
                return;
            }
            Set<TopicPartition> set = new HashSet<>(gave);
            partitions.revoking(set);
            long t0 = System.nanoTime();
            long end = t0 + settings.handoffTimeout().toNanos();
            try {
                while (inFlightOf(set) > 0 && System.nanoTime() < end) {
                    collect(50);
                    if (due()) {
                        commit();
                    }
                }
                collect(0);
                commit(); // the revoked partitions' last output and commit points, before the new owner starts
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.warnf("%s: %s: last commit failed (%s): their new owner redoes the uncommitted records", settings.name(),
                        set, e.toString());
            }
            int left = inFlightOf(set);
            forget(set);
            partitions.revoked(set, left, (System.nanoTime() - t0) / 1_000_000);
            scaleInterval();
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> lost) {
            if (lost.isEmpty()) {
                return;
            }
            Set<TopicPartition> set = new HashSet<>(lost);
            partitions.revoking(set);
            forget(set);
            partitions.revoked(set, -1, 0);
            scaleInterval();
        }

        private void forget(Set<TopicPartition> gone) {
            for (TopicPartition tp : gone) {
                points.removed(tp);
                inFlight.remove(tp);
                assignment.remove(tp);
            }
            waiting.removeIf(f -> {
                if (gone.contains(f.partition())) {
                    f.dropped();
                    return true;
                }
                return false;
            });
        }

        private int inFlightOf(Set<TopicPartition> ps) {
            int n = 0;
            for (TopicPartition tp : ps) {
                n += inFlight.getOrDefault(tp, 0);
            }
            return n;
        }
    }
}
