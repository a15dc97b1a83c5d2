package warmwire.session.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;
import warmwire.contracts.Topics;
import warmwire.contracts.classify.ReplyRules;
import warmwire.contracts.marks.FinalMarks;
import warmwire.contracts.marks.IndexMarks;
import warmwire.contracts.outcome.DeliveryEvent;
import warmwire.contracts.outcome.DeliveryLogLine;
import warmwire.contracts.outcome.DeliveryOutcome;
import warmwire.contracts.outcome.EventMeters;
import warmwire.contracts.outcome.RecipientResult;
import warmwire.contracts.outcome.Status;
import warmwire.contracts.tlsrpt.TlsResult;
import warmwire.pipeline.ExactlyOnceLoop;

/**
 * NAME
 *   OutcomeRecords - what a job's outcome becomes on Kafka, and what follows once it is committed.
 * DESCRIPTION
 *   An outcome that needs queue-service's decisions goes to mail.outcome (key = message id):
 *   a recipient deferred, bounced or failed (retry tiers, expiry, notices to the sender), or a
 *   retried attempt (the retry scheduler forwards at least once, so queue-service checks its
 *   final events against the marks before it publishes them).
 *   A first attempt delivered to every recipient needs none of that: its events are all it
 *   causes. With {@code warmwire.outcome.publish-delivered} (the default) they are published
 *   here, in the delivery loop's transaction with the job's commit point, exactly as
 *   queue-service would write them: one event per recipient on mail.events
 *   ({@link DeliveryEvent#ofOutcome}, key = message id) and the outcome's TLS results on
 *   mail.tls-results (key = policy domain). That saves most mail the outcome hop: a topic
 *   written and read, a transaction loop, a parse and a check (BENCHMARKS.md).
 *   Once committed ({@link Output#settled}), the events' final marks are written to the queue
 *   index ({@link FinalMarks}: the admin API sees the recipients final; one write per commit),
 *   their Postfix-style log lines are logged (category {@code warmwire.delivery},
 *   {@link DeliveryLogLine}) and they are counted ({@link EventMeters}), on a thread of their
 *   own ({@link #after}); dropped (the partition moved before the commit), nothing follows: the
 *   job's next owner redoes it. A first attempt exists once (every hop commits its output with
 *   its input), so its events need no check against the marks.
 *   The outcome is this service's own, built by OutcomeBuilder from bounded parts (reply texts
 *   cut to their limit), not a record read from a topic, so it is not judged again by
 *   DeliveryOutcomeCheck as queue-service judges what it reads from mail.outcome.
 *   What waits for the after-commit thread is at most one transaction's outputs
 *   ({@code warmwire.session.commit-batch}) per {@value #GATHER_MS} ms.
 */
public final class OutcomeRecords implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(OutcomeRecords.class);
    private static final Logger DELIVERY_LOG = Logger.getLogger("warmwire.delivery");
    /** How long what follows one commit waits for the rest of it (after). */
    static final long GATHER_MS = 10;
    /** How long a stop waits for the last drain and the last write of marks. */
    private static final long CLOSE_WAIT_SECONDS = 5;

    /** The records of one outcome, and what follows their commit (null: nothing). */
    public record Output(List<ProducerRecord<String, byte[]>> records, ExactlyOnceLoop.Settled settled) {
    }

    private final String outcomeTopic;
    private final ObjectWriter writer;
    private final boolean publishDelivered;
    private final Supplier<IndexMarks> marksSource;
    private final EventMeters meters;
    /** The final marks, opened at their first write on the after-commit thread (null until then). */
    private IndexMarks marks;
    /** The last write of final marks (close waits for it). */
    private volatile CompletableFuture<Void> lastWrite = CompletableFuture.completedFuture(null);
    /** Committed events and their final marks not yet logged, counted and written; guarded by pendingEvents. */
    private final List<DeliveryEvent> pendingEvents = new ArrayList<>();
    private final Map<String, String> pendingMarks = new HashMap<>();
    private boolean drainScheduled;
    private final ScheduledExecutorService afterCommit;

    /**
     * @param marks  opens the final marks (null: none written, tests); called at the first write,
     *               on the after-commit thread, again after a failure: Infinispan down at start
     *               never stops delivery
     * @param meters the event meters (null: not counted, tests)
     */
    public OutcomeRecords(String outcomeTopic, ObjectWriter writer, boolean publishDelivered, Supplier<IndexMarks> marks,
                          EventMeters meters) {
        this.outcomeTopic = outcomeTopic;
        this.writer = writer;
        this.publishDelivered = publishDelivered;
        this.marksSource = marks;
        this.meters = meters;
        this.afterCommit = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "warmwire-after-commit");
            t.setDaemon(true);
            return t;
        });
    }

    /** Every outcome to {@code outcomeTopic}, for queue-service (tests of the loop's mechanics). */
    public static OutcomeRecords toQueue(String outcomeTopic, ObjectWriter writer) {
        return new OutcomeRecords(outcomeTopic, writer, false, null, null);
    }

    /** The records of {@code o}; throws when it cannot be written as JSON. */
    public Output of(DeliveryOutcome o) {
        if (!publishDelivered || !finalHere(o)) {
            return new Output(List.of(new ProducerRecord<>(outcomeTopic, o.messageId(), json(o))), null);
        }
        List<DeliveryEvent> events = DeliveryEvent.ofOutcome(o, ReplyRules.defaults()); // delivered: no class
        List<ProducerRecord<String, byte[]>> out = new ArrayList<>(events.size() + o.tlsResults().size());
        for (TlsResult t : o.tlsResults()) { // the raw material of the TLS reports (delivery-service's tlsrpt)
            out.add(new ProducerRecord<>(Topics.TLS_RESULTS, t.policyDomain(), json(t)));
        }
        Map<String, String> finals = new HashMap<>();
        for (DeliveryEvent e : events) {
            byte[] value = json(e);
            out.add(new ProducerRecord<>(Topics.EVENTS, e.id(), value));
            finals.put(FinalMarks.name(e.id(), e.recipient()), new String(value, StandardCharsets.UTF_8));
        }
        return new Output(out, new ExactlyOnceLoop.Settled() {
            @Override
            public void committed() {
                after(events, finals);
            }

            @Override
            public void dropped() {
                // not committed here: the partition's next owner delivers the job again
            }
        });
    }

    /**
     * Hands what follows a commit to the {@code warmwire-after-commit} thread: the loop's thread
     * calls {@code committed} for each of a transaction's outputs in a row and must go back to
     * its polls and commits, so the log lines, the meters and the marks are done there, gathered
     * for {@value #GATHER_MS} ms after the first: one Infinispan write per transaction, not one
     * per message (a write per message doubled Infinispan's CPU, and logging on the loop's thread
     * cost a tenth of the throughput; BENCHMARKS.md 2026-12-06).
     */
    private void after(List<DeliveryEvent> events, Map<String, String> finals) {
        synchronized (pendingEvents) {
            pendingEvents.addAll(events);
            pendingMarks.putAll(finals);
            if (drainScheduled) {
                return;
            }
            drainScheduled = true;
        }
        try {
            afterCommit.schedule(this::drain, GATHER_MS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            drain();
        }
    }

    /** Writes the gathered marks, logs and counts the gathered events; never throws. */
    private void drain() {
        List<DeliveryEvent> events;
        Map<String, String> finals;
        synchronized (pendingEvents) {
            events = new ArrayList<>(pendingEvents);
            finals = new HashMap<>(pendingMarks);
            pendingEvents.clear();
            pendingMarks.clear();
            drainScheduled = false;
        }
        if (marksSource != null && !finals.isEmpty()) {
            try {
                if (marks == null) {
                    marks = marksSource.get();
                }
                lastWrite = marks.put(finals).toCompletableFuture();
            } catch (RuntimeException e) {
                LOG.warnf("final marks of %d delivered recipients not written to the queue index (%s): the admin API"
                        + " shows them queued until their entries expire", finals.size(), e.toString());
            }
        }
        for (DeliveryEvent e : events) {
            try {
                DELIVERY_LOG.info(DeliveryLogLine.format(e));
                if (meters != null) {
                    meters.count(e);
                }
            } catch (RuntimeException ex) {
                LOG.errorf(ex, "delivered event of %s not logged or counted", e.id());
            }
        }
    }

    /**
     * After the loop's last commit: lets a running drain finish, does what is still gathered at
     * once and waits (bounded) for the last write of final marks, before the Infinispan client
     * closes.
     */
    @Override
    public void close() {
        afterCommit.shutdown();
        try {
            afterCommit.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
            drain();
            lastWrite.get(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warnf("the last final marks were not written before the stop: %s", e.toString());
        }
    }

    /** A first attempt delivered to every recipient: final here, nothing for queue-service to decide. */
    static boolean finalHere(DeliveryOutcome o) {
        if (o.attempt() > 1 || o.results().isEmpty()) {
            return false;
        }
        for (RecipientResult r : o.results()) {
            if (r.status() != Status.DELIVERED) {
                return false;
            }
        }
        return true;
    }

    private byte[] json(Object value) {
        try {
            return writer.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
