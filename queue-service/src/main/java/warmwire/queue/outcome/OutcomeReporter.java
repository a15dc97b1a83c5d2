package warmwire.queue.outcome;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;
import warmwire.contracts.Topics;
import warmwire.contracts.mail.QueuedMessage;
import warmwire.contracts.outcome.DeliveryEvent;
import warmwire.contracts.outcome.DeliveryOutcome;
import warmwire.contracts.outcome.RecipientResult;
import warmwire.queue.QueueConfig;
import warmwire.queue.dsn.DsnWriter;
import warmwire.queue.index.QueueIndex;
import warmwire.queue.kafka.Batches;
import warmwire.queue.kafka.QueueProducer;
import warmwire.queue.retry.Backoff;
import warmwire.queue.retry.OutcomePlan;

/**
 * NAME
 *   OutcomeReporter - turns mail.outcome records into mail.events records and log lines.
 * DESCRIPTION
 *   Channel {@code outcome} (in, mail.outcome) is consumed in batches (one poll each). Every
 *   outcome record of a batch becomes one mail.events record (key = message id) and one
 *   {@link DeliveryLogLine} (category {@code warmwire.delivery}) per recipient result, plus what
 *   {@link OutcomePlan} decides: deferred recipients go to a retry tier (mail.retry.N, key =
 *   message id, header {@value Topics#HEADER_SITE}) or expire at the queue lifetime; bounced and
 *   expired ones are reported to the sender with a DSN written to mail.route.
 *   All records of the batch go out through the one {@link QueueProducer} together; the batch
 *   is acknowledged only after the broker acknowledged every one of them (acks=all), and a
 *   failed send nacks it (the channel's failure strategy stops rather than lose an outcome).
 *   An outcome record that is not valid JSON cannot come from Warmwire's own services; it is
 *   logged with its offset and skipped, since no recipient can be read from it.
 *   Queue-index writes of the batch go to Infinispan in one asynchronous call, best effort.
 */
@ApplicationScoped
public class OutcomeReporter {
    private static final Logger LOG = Logger.getLogger(OutcomeReporter.class);
    private static final Logger DELIVERY_LOG = Logger.getLogger("warmwire.delivery");

    private final ObjectReader outcomeReader;
    private final ObjectWriter writer;
    private final QueueIndex index;
    private final QueueConfig config;
    private final QueueProducer producer;
    private final Backoff backoff;
    private final DsnWriter dsn;

    @Inject
    FinalEvents finals;

    @Inject
    warmwire.queue.metrics.QueueMetrics metrics;

    @Inject
    public OutcomeReporter(ObjectMapper mapper, QueueIndex index, QueueConfig config, QueueProducer producer) {
        this.outcomeReader = mapper.readerFor(DeliveryOutcome.class);
        this.writer = mapper.writer();
        this.index = index;
        this.config = config;
        this.producer = producer;
        this.backoff = new Backoff(config.queue().minimalBackoff(), config.queue().maximalBackoff());
        this.dsn = new DsnWriter(config.queue().hostname(), config.queue().dsnReturnSizeLimit());
    }

    @Incoming("outcome")
    @Blocking(value = "outcome", ordered = false)
    public CompletionStage<Void> onOutcomes(KafkaRecordBatch<String, String> batch) {
        return Batches.settle(batch, publish(Batches.records(batch)));
    }

    /**
     * Publishes what the outcome records cause; the result completes when the broker has
     * acknowledged all of it, or fails (nothing of the batch may then be acknowledged).
     */
    CompletableFuture<Void> publish(Iterable<ConsumerRecord<String, String>> batch) {
        List<ProducerRecord<String, String>> out;
        QueueIndex.Batch writes = index.batch();
        Map<String, String> marks = new HashMap<>();
        List<FinalEvents.Claim> claims = new ArrayList<>(1);
        try {
            out = records(batch, writes, Instant.now(), marks, claims);
        } catch (Exception e) {
            claims.forEach(c -> c.finish(false));
            LOG.errorf(e, "outcome batch not published; it stays uncommitted");
            return CompletableFuture.failedFuture(e);
        }
        writes.flush();
        return producer.sendAll(out).whenComplete((v, err) -> {
            if (err != null || finals == null) {
                claims.forEach(c -> c.finish(false));
                return;
            }
            // the batch's names stay held until the marks are written: a second reading in
            // between still finds them (in flight here, or in Infinispan)
            finals.mark(marks).whenComplete((x, e) -> claims.forEach(c -> c.finish(true)));
        });
    }

    /** The records a batch of outcomes causes, in input order; index writes go to {@code writes}. */
    List<ProducerRecord<String, String>> records(Iterable<ConsumerRecord<String, String>> batch,
                                                 QueueIndex.Batch writes, Instant now) throws JsonProcessingException {
        List<FinalEvents.Claim> claims = new ArrayList<>(1);
        try {
            return records(batch, writes, now, new HashMap<>(), claims);
        } finally {
            claims.forEach(c -> c.finish(false));
        }
    }

    /**
     * As above; final events whose recipient already has one ({@link FinalEvents}) are left out,
     * and the final events that go out are put in {@code marks} (key -> source) for marking once
     * the broker acknowledged them. The batch's hold on its final-event names is added to
     * {@code claims}; the caller finishes it when the broker answered.
     */
    List<ProducerRecord<String, String>> records(Iterable<ConsumerRecord<String, String>> batch,
                                                 QueueIndex.Batch writes, Instant now, Map<String, String> marks,
                                                 List<FinalEvents.Claim> claims)
            throws JsonProcessingException {
        List<DeliveryOutcome> outcomes = new ArrayList<>();
        for (ConsumerRecord<String, String> r : batch) {
            DeliveryOutcome o;
            try {
                o = outcomeReader.readValue(r.value());
            } catch (Exception e) {
                LOG.errorf("unreadable record on %s skipped: partition %d, offset %d: %s", r.topic(), r.partition(),
                        r.offset(), e.getMessage());
                continue;
            }
            if (o == null || o.results() == null) {
                LOG.errorf("unreadable record on %s skipped: partition %d, offset %d: no results", r.topic(),
                        r.partition(), r.offset());
                continue;
            }
            outcomes.add(o);
        }
        List<String> finalKeys = new ArrayList<>();
        for (DeliveryOutcome o : outcomes) {
            for (RecipientResult rr : o.results()) {
                if (rr.status() != null && rr.status().isFinal()) {
                    finalKeys.add(FinalEvents.key(o.messageId(), rr.recipient()));
                }
            }
        }
        Set<String> known = Set.of();
        if (finals != null) {
            FinalEvents.Claim claim = finals.claim(finalKeys);
            claims.add(claim);
            known = claim.known();
        }
        List<ProducerRecord<String, String>> out = new ArrayList<>();
        for (DeliveryOutcome o : outcomes) {
            append(o, now, out, writes, known, marks);
        }
        return out;
    }

    private void append(DeliveryOutcome o, Instant now, List<ProducerRecord<String, String>> out,
                        QueueIndex.Batch writes, Set<String> known, Map<String, String> marks)
            throws JsonProcessingException {
        boolean allKnown = !o.results().isEmpty() && o.results().stream()
                .allMatch(r -> r.status() != null && r.status().isFinal() && known.contains(FinalEvents.key(o.messageId(), r.recipient())));
        if (allKnown) {
            LOG.infof("%s: outcome of %s repeats final events already published (a redelivery after a crash); dropped",
                    o.messageId(), o.jobId());
            if (finals != null) {
                finals.dropped(o.results().size());
            }
            return;
        }
        OutcomePlan plan = OutcomePlan.of(o, toEvents(o), backoff, config.queue().maximalQueueLifetime(),
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
            out.add(new ProducerRecord<>(r.topic(), null, r.message().id(), writer.writeValueAsString(r.message()),
                    headers));
            if (metrics != null) {
                metrics.retryScheduled();
            }
        }
        for (QueuedMessage notice : plan.notices()) {
            LOG.infof("%s: sender non-delivery notification: %s", o.messageId(), notice.id());
            out.add(new ProducerRecord<>(Topics.ROUTE, notice.id(), writer.writeValueAsString(notice)));
        }
        for (DeliveryEvent e : plan.events()) {
            String fk = FinalEvents.key(e.id(), e.recipient());
            if (e.status().isFinal() && known.contains(fk)) {
                if (finals != null) {
                    finals.dropped(1);
                }
                continue;
            }
            if (e.status().isFinal()) {
                marks.put(fk, o.jobId() + "@" + o.timestamp());
            }
            if (metrics != null) {
                metrics.event(e);
            }
            DELIVERY_LOG.info(DeliveryLogLine.format(e));
            writes.recipientEvent(e);
            out.add(new ProducerRecord<>(Topics.EVENTS, e.id(), writer.writeValueAsString(e)));
        }
    }

    /** One event per recipient result of the outcome. */
    public static List<DeliveryEvent> toEvents(DeliveryOutcome o) {
        List<DeliveryEvent> out = new ArrayList<>(o.results().size());
        for (RecipientResult r : o.results()) {
            out.add(new DeliveryEvent(o.messageId(), r.recipient(), r.status(), o.attempt(), o.site(), o.relay(),
                    r.smtp(), r.dsn() != null ? r.dsn() : RecipientResult.dsnOf(r.status(), r.smtp(), null), o.tls(), o.connectionUse(), o.delays(), o.timestamp(),
                    r.status() == warmwire.contracts.outcome.Status.DELIVERED ? null : r.reason()));
        }
        return out;
    }
}
