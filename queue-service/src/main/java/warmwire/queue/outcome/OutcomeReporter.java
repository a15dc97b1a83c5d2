package warmwire.queue.outcome;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.jboss.logging.Logger;
import warmwire.contracts.Topics;
import warmwire.contracts.classify.ReplyRules;
import warmwire.contracts.mail.MailFrame;
import warmwire.contracts.check.Checked;
import warmwire.contracts.check.DeadLetterProducer;
import warmwire.contracts.check.DeliveryOutcomeCheck;
import warmwire.contracts.check.InternalDeadLetter;
import warmwire.contracts.check.RecordLimits;
import warmwire.contracts.mail.QueuedMessage;
import warmwire.contracts.marks.FinalMarks;
import warmwire.contracts.outcome.DeliveryEvent;
import warmwire.contracts.outcome.DeliveryLogLine;
import warmwire.contracts.outcome.DeliveryOutcome;
import warmwire.contracts.outcome.RecipientResult;
import warmwire.contracts.tlsrpt.TlsResult;
import warmwire.queue.QueueConfig;
import warmwire.queue.dsn.DsnWriter;
import warmwire.queue.index.QueueIndex;
import warmwire.queue.kafka.QueueProducer;
import warmwire.queue.retry.Backoff;
import warmwire.queue.retry.OutcomePlan;
import warmwire.pipeline.ExactlyOnceLoop;

/**
 * NAME
 *   OutcomeReporter - turns mail.outcome records into mail.events records and log lines.
 * DESCRIPTION
 *   {@link OutcomeLoop} reads mail.outcome a poll at a time and hands each poll here (a first
 *   attempt delivered to every recipient is not among them: tls-session-service publishes its
 *   events itself, its agent.OutcomeRecords). Every
 *   outcome record of a batch becomes one mail.events record (key = message id) and one
 *   {@link DeliveryLogLine} (category {@code warmwire.delivery}) per recipient result, plus what
 *   {@link OutcomePlan} decides: deferred recipients go to a retry tier (mail.retry.N, key =
 *   message id, header {@value Topics#HEADER_SITE}) or expire at the queue lifetime; bounced and
 *   expired ones are reported to the sender with a DSN written to mail.route. An outcome's TLS
 *   results (RFC 8460, for domains under a published policy) go to mail.tls-results, key =
 *   policy domain.
 *   {@link #prepare} builds all records of the batch; the loop publishes them in one Kafka
 *   transaction with the batch's offsets and then reports back ({@link Prepared#published} or
 *   {@link Prepared#abandoned}).
 *   Every outcome record is judged by {@link DeliveryOutcomeCheck} first: one that is not valid
 *   for mail.outcome (not JSON, wrong types, missing fields, absurd sizes or dates) becomes an
 *   {@link InternalDeadLetter} on mail.internal.dlq with its reason, among the batch's records,
 *   so it is published in the same transaction as the batch's offsets (exactly once); it is
 *   counted ({@code warmwire_records_dead_lettered_total}) and never read again. A valid record
 *   whose records cannot be built (a rule no check foresaw) is dead-lettered the same way,
 *   with the error as its reason: a batch never fails for one record.
 *   Queue-index writes of the batch's events that are not final go to Infinispan in one
 *   asynchronous call, best effort; its final events are written as {@code f:} entries once
 *   the batch is published ({@link FinalEvents#mark}), which are the index's final states too.
 */
@ApplicationScoped
public class OutcomeReporter implements ExactlyOnceLoop.Work<String, byte[]> {
    private static final Logger LOG = Logger.getLogger(OutcomeReporter.class);
    private static final Logger DELIVERY_LOG = Logger.getLogger("warmwire.delivery");

    private final ObjectReader outcomeReader;
    private final ObjectWriter writer;
    private final QueueIndex index;
    private final QueueConfig config;
    private final QueueProducer producer;
    private final Backoff backoff;
    private final DsnWriter dsn;
    private final RecordLimits limits;

    /** The {@code service} of queue-service's dead letters. */

    @Inject
    FinalEvents finals;

    /** The classes of events ({@code warmwire.reply-classes.file}); the shipped rules until injected. */
    @Inject
    ReplyRules rules = ReplyRules.defaults();

    @Inject
    warmwire.queue.QueueCounters metrics;

    @Inject
    public OutcomeReporter(ObjectMapper mapper, QueueIndex index, QueueConfig config, QueueProducer producer) {
        this.outcomeReader = mapper.readerFor(DeliveryOutcome.class);
        this.writer = mapper.writer();
        this.index = index;
        this.config = config;
        this.producer = producer;
        this.backoff = new Backoff(config.queue().minimalBackoff(), config.queue().maximalBackoff());
        this.dsn = new DsnWriter(config.queue().hostname(), config.queue().dsnReturnSizeLimit());
        this.limits = new RecordLimits(config.intake().maxRecipients());
    }

    /**
     * What one batch of outcomes causes: each input record's records, and the batch's hold on the
     * final events among them. Exactly one of {@link #published} and {@link #abandoned} must
     * follow (or {@link #settledAfter} does it).
     */
    public final class Prepared {
        private final Map<ConsumerRecord<String, String>, List<ProducerRecord<String, byte[]>>> byRecord;
        private final Map<String, String> marks;
        private final FinalEvents.Claim claim; // null without FinalEvents (record-path tests)

        private Prepared(Map<ConsumerRecord<String, String>, List<ProducerRecord<String, byte[]>>> byRecord,
                         Map<String, String> marks, FinalEvents.Claim claim) {
            this.byRecord = byRecord;
            this.marks = marks;
            this.claim = claim;
        }

        /** The records to publish, all of the batch. */
        public List<ProducerRecord<String, byte[]>> records() {
            List<ProducerRecord<String, byte[]>> all = new ArrayList<>();
            byRecord.values().forEach(all::addAll);
            return all;
        }

        /** The records one input record causes. */
        public List<ProducerRecord<String, byte[]>> recordsOf(ConsumerRecord<String, String> in) {
            return byRecord.getOrDefault(in, List.of());
        }

        /**
         * The broker has all of the records (acknowledged, or committed in a transaction): the
         * final events are marked, and the batch's names stay held until the marks are written,
         * so a second reading in between still finds them (in flight here, or in Infinispan).
         */
        public void published() {
            if (claim != null) {
                finals.mark(marks).whenComplete((x, e) -> claim.finish(true));
            }
        }

        /** The records were not published; their final-event names are released. */
        public void abandoned() {
            if (claim != null) {
                claim.finish(false);
            }
        }

        /**
         * One callback for the {@code n} records of the batch: {@link #published} once all were
         * committed, {@link #abandoned} at the first that was dropped.
         */
        ExactlyOnceLoop.Settled settledAfter(int n) {
            int[] left = {n};
            boolean[] over = {false};
            return new ExactlyOnceLoop.Settled() {
                @Override
                public void committed() {
                    if (!over[0] && --left[0] == 0) {
                        over[0] = true;
                        published();
                    }
                }

                @Override
                public void dropped() {
                    if (!over[0]) {
                        over[0] = true;
                        abandoned();
                    }
                }
            };
        }
    }

    /**
     * The records a batch of outcomes causes, in input order; its queue-index writes are handed
     * to Infinispan (best effort, asynchronous). Final events whose recipient already has one
     * ({@link FinalEvents}) are left out; the batch holds the names of the final events it
     * publishes until {@link Prepared#published} or {@link Prepared#abandoned}. On failure
     * nothing stays held.
     */
    public Prepared prepare(Iterable<ConsumerRecord<String, String>> batch, Instant now) throws JsonProcessingException {
        Map<ConsumerRecord<String, String>, List<ProducerRecord<String, byte[]>>> byRecord = new LinkedHashMap<>();
        List<Read> outcomes = readable(batch, now, byRecord);
        FinalEvents.Claim claim = finals == null ? null : finals.claim(finalKeys(outcomes));
        Set<String> known = claim == null ? Set.of() : claim.known();
        QueueIndex.Batch writes = index.batch();
        Map<String, String> marks = new HashMap<>();
        try {
            for (Read read : outcomes) {
                List<ProducerRecord<String, byte[]>> own = new ArrayList<>();
                Map<String, String> ownMarks = new HashMap<>();
                try {
                    append(read.outcome(), now, own, writes, known, ownMarks);
                } catch (RuntimeException e) {
                    LOG.errorf(e, "outcome %s-%d@%d cannot be turned into events; dead-lettered", read.record().topic(),
                            read.record().partition(), read.record().offset());
                    own = List.of(deadLetter(read.record(), "internal error: " + e, now));
                    ownMarks = Map.of();
                }
                byRecord.put(read.record(), own);
                marks.putAll(ownMarks);
            }
        } catch (JsonProcessingException | RuntimeException e) {
            if (claim != null) {
                claim.finish(false);
            }
            throw e;
        }
        writes.flush();
        return new Prepared(byRecord, marks, claim);
    }

    /**
     * The work of the mail.outcome hop ({@link OutcomeLoop}): a poll's outcomes prepared at once;
     * each record's events, retry-tier records, DSNs or dead letter go to the loop, which commits
     * them with mail.outcome's commit points; once all are committed the final events are marked.
     */
    @Override
    public void start(List<ConsumerRecord<String, String>> batch, ExactlyOnceLoop.Results<byte[]> results) {
        Prepared p;
        try {
            p = prepare(batch, Instant.now());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("outcome batch not turned into events: " + e, e);
        }
        ExactlyOnceLoop.Settled settled = p.settledAfter(batch.size());
        for (ConsumerRecord<String, String> r : batch) {
            results.finished(r, p.recordsOf(r), settled);
        }
    }

    /** A record of the batch and its outcome, valid for mail.outcome. */
    record Read(ConsumerRecord<String, String> record, DeliveryOutcome outcome) {
    }

    /**
     * Publishes a batch through the shared, non-transactional {@link QueueProducer} (tests,
     * benchmarks of the record path); the result completes when the broker has acknowledged all
     * of it, or fails. {@link OutcomeLoop} publishes in transactions instead.
     */
    CompletableFuture<Void> publish(Iterable<ConsumerRecord<String, String>> batch) {
        Prepared p;
        try {
            p = prepare(batch, Instant.now());
        } catch (Exception e) {
            LOG.errorf(e, "outcome batch not published; it stays uncommitted");
            return CompletableFuture.failedFuture(e);
        }
        return producer.sendAll(p.records()).whenComplete((v, err) -> {
            if (err != null) {
                p.abandoned();
            } else {
                p.published();
            }
        });
    }

    /**
     * The outcomes of a batch that are valid for mail.outcome, in order; each invalid record
     * becomes a dead letter in {@code byRecord}, and every record has its place there in input order.
     */
    private List<Read> readable(Iterable<ConsumerRecord<String, String>> batch, Instant now,
                                Map<ConsumerRecord<String, String>, List<ProducerRecord<String, byte[]>>> byRecord) {
        List<Read> outcomes = new ArrayList<>();
        for (ConsumerRecord<String, String> r : batch) {
            Checked<DeliveryOutcome> c = DeliveryOutcomeCheck.check(r.value(), limits, now);
            if (c.isValid()) {
                outcomes.add(new Read(r, c.value()));
                byRecord.put(r, List.of()); // keeps the input order; filled in by prepare
            } else {
                LOG.errorf("invalid record on %s dead-lettered: partition %d, offset %d: %s", r.topic(), r.partition(),
                        r.offset(), c.reason());
                byRecord.put(r, List.of(deadLetter(r, c.reason(), now)));
            }
        }
        return outcomes;
    }

    private ProducerRecord<String, byte[]> deadLetter(ConsumerRecord<String, String> r, String reason, Instant now) {
        if (metrics != null) {
            metrics.deadLettered(r.topic());
        }
        return DeadLetterProducer.record(InternalDeadLetter.of(r.topic(), r.partition(), r.offset(), r.key(), QueueConfig.SERVICE,
                reason, r.value(), now));
    }

    /**
     * The final-event names ({@link FinalMarks#name}) to check, of the outcomes of retried
     * attempts only. A first attempt's outcome exists once: intake, routing and delivery each
     * commit their output with their input in one Kafka transaction (pipeline.ExactlyOnceLoop),
     * and this loop too, so no hop makes a second job or outcome of it, and checking it would
     * cost an Infinispan read per batch for nothing. A retried attempt can come twice: the retry
     * scheduler forwards at least once (a crash between its forward and its commit, a retry-now
     * forward it forgot at a restart), so its final events are checked against the marks.
     */
    static List<String> finalKeys(List<Read> outcomes) {
        List<String> keys = new ArrayList<>();
        for (Read read : outcomes) {
            DeliveryOutcome o = read.outcome();
            if (o.attempt() <= 1) {
                continue;
            }
            for (RecipientResult rr : o.results()) {
                if (rr.status() != null && rr.status().isFinal()) {
                    keys.add(FinalMarks.name(o.messageId(), rr.recipient()));
                }
            }
        }
        return keys;
    }

    private void append(DeliveryOutcome o, Instant now, List<ProducerRecord<String, byte[]>> out,
                        QueueIndex.Batch writes, Set<String> known, Map<String, String> marks)
            throws JsonProcessingException {
        boolean allKnown = !o.results().isEmpty() && o.results().stream()
                .allMatch(r -> r.status() != null && r.status().isFinal() && known.contains(FinalMarks.name(o.messageId(), r.recipient())));
        if (allKnown) {
            LOG.infof("%s: outcome of %s repeats final events already published (a redelivery after a crash); dropped",
                    o.messageId(), o.jobId());
            if (finals != null) {
                finals.dropped(o.results().size());
            }
            return;
        }
        for (TlsResult t : o.tlsResults()) { // the raw material of the TLS reports (delivery-service's tlsrpt)
            out.add(new ProducerRecord<>(Topics.TLS_RESULTS, t.policyDomain(), writer.writeValueAsBytes(t)));
        }
        OutcomePlan plan = OutcomePlan.of(o, DeliveryEvent.ofOutcome(o, rules), backoff, config.queue().maximalQueueLifetime(),
                config.queue().delayWarningTime(), dsn, now);
        if (plan.problem() != null) {
            LOG.error(plan.problem());
        }
        if (plan.retry() != null) {
            OutcomePlan.Retry r = plan.retry();
            RecordHeaders headers = new RecordHeaders();
            if (r.site() != null) {
                headers.add(Topics.HEADER_SITE, r.site().getBytes(StandardCharsets.UTF_8));
            }
            out.add(new ProducerRecord<>(r.topic(), null, r.message().id(), MailFrame.of(r.message(), writer),
                    headers));
            if (metrics != null) {
                metrics.retryScheduled();
            }
        }
        for (QueuedMessage notice : plan.notices()) {
            LOG.infof("%s: sender non-delivery notification: %s", o.messageId(), notice.id());
            out.add(new ProducerRecord<>(Topics.ROUTE, notice.id(), MailFrame.of(notice, writer)));
        }
        for (DeliveryEvent e : plan.events()) {
            String fk = FinalMarks.name(e.id(), e.recipient());
            if (e.status().isFinal() && known.contains(fk)) {
                if (finals != null) {
                    finals.dropped(1);
                }
                continue;
            }
            String json = writer.writeValueAsString(e);
            if (e.status().isFinal()) {
                marks.put(fk, json); // the f: entry: the mark and the index's final state at once
            } else {
                writes.recipientEvent(e);
            }
            if (metrics != null) {
                metrics.event(e);
            }
            DELIVERY_LOG.info(DeliveryLogLine.format(e));
            out.add(new ProducerRecord<>(Topics.EVENTS, e.id(), json.getBytes(StandardCharsets.UTF_8)));
        }
    }
}
