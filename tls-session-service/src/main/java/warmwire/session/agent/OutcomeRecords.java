package warmwire.session.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
 *   index ({@link FinalMarks}: the admin API sees the recipients final; one write per commit), their Postfix-style log
 *   lines are logged (category {@code warmwire.delivery}, {@link DeliveryLogLine}) and they are
 *   counted ({@link EventMeters}); dropped (the partition moved before the commit), nothing
 *   follows: the job's next owner redoes it. A first attempt exists once (every hop commits its
 *   output with its input), so its events need no check against the marks.
 */
public final class OutcomeRecords implements AutoCloseable {
    private static final Logger DELIVERY_LOG = Logger.getLogger("warmwire.delivery");
    /** How long what follows one commit waits for the rest of it (after). */
    static final long GATHER_MS = 10;

    /** The records of one outcome, and what follows their commit (null: nothing). */
    public record Output(List<ProducerRecord<String, byte[]>> records, ExactlyOnceLoop.Settled settled) {
    }

    private final String outcomeTopic;
    private final ObjectWriter writer;
    private final boolean publishDelivered;
    private final IndexMarks marks;
    private final EventMeters meters;
    /** Committed events and their final marks not yet logged, counted and written; guarded by pendingEvents. */
    private final List<DeliveryEvent> pendingEvents = new ArrayList<>();
    private final Map<String, String> pendingMarks = new HashMap<>();
    private boolean drainScheduled;
    private final ScheduledExecutorService afterCommit;

    /**
     * @param marks  the final marks (null: none written, tests)
     * @param meters the event meters (null: not counted, tests)
     */
    public OutcomeRecords(String outcomeTopic, ObjectWriter writer, boolean publishDelivered, IndexMarks marks,
                          EventMeters meters) {
        this.outcomeTopic = outcomeTopic;
        this.writer = writer;
        this.publishDelivered = publishDelivered;
        this.marks = marks;
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
        if (marks != null && !finals.isEmpty()) {
            marks.put(finals);
        }
        for (DeliveryEvent e : events) {
            DELIVERY_LOG.info(DeliveryLogLine.format(e));
            if (meters != null) {
                meters.count(e);
            }
        }
    }

    /** Does at once what the last commits left gathered (after the loop's last commit) and stops its thread. */
    @Override
    public void close() {
        afterCommit.shutdown();
        drain();
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
