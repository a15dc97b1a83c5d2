package warmwire.queue.intake;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.Collections;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.jboss.logging.Logger;
import warmwire.contracts.Topics;
import warmwire.contracts.classify.ReplyRules;
import warmwire.contracts.mail.MailFrame;
import warmwire.contracts.outcome.DeliveryEvent;
import warmwire.contracts.outcome.Status;
import warmwire.queue.QueueConfig;
import warmwire.contracts.text.BoundedText;
import warmwire.queue.index.QueueIndex;
import warmwire.pipeline.ExactlyOnceLoop;

/**
 * NAME
 *   Intake - the work of the mail.submit hop: valid mail to mail.route, the rest dead-lettered.
 * DESCRIPTION
 *   The intake loop (an {@link ExactlyOnceLoop}, {@link IntakeLoop}) hands each poll's
 *   mail.submit records here, their values as the bytes the client wrote (never decoded with
 *   replacement characters). Each record is judged by {@link SubmissionValidator}, one after
 *   the other: an accepted message goes to mail.route (key = message id); a rejected record
 *   goes byte for byte unchanged to mail.submit.dlq (same key, the reason in the
 *   {@value Topics#HEADER_REJECT_REASON} header and its origin {@code <topic>/<partition>/<offset>}
 *   in {@code warmwire-source}) with one {@code rejected} event per readable recipient on
 *   mail.events. The loop commits a poll's records with its commit points in one Kafka
 *   transaction: a submission is forwarded exactly once, across crashes.
 *   Client ids are claimed in the queue index for the whole poll at once ({@link DuplicateIds}:
 *   one read, one write), so a re-submission of an id is refused; the queue-index entries of
 *   messages without a client id go in one asynchronous write.
 *   A message without a client id gets {@code <base36 record time>.<partition>.<offset>}, which
 *   is the same on every redelivery of that record.
 */
@ApplicationScoped
public class Intake implements ExactlyOnceLoop.Work<byte[], byte[]> {
    private static final Logger LOG = Logger.getLogger(Intake.class);
    private static final byte[] EMPTY = new byte[0];

    private final ObjectWriter writer;
    private final SubmissionValidator validator;
    private final QueueIndex index;

    @Inject
    DuplicateIds ids;

    /** The classes of events ({@code warmwire.reply-classes.file}); the shipped rules until injected. */
    @Inject
    ReplyRules rules = ReplyRules.defaults();

    @Inject
    public Intake(ObjectMapper mapper, QueueConfig config, QueueIndex index) {
        this.writer = mapper.writer();
        this.index = index;
        this.validator = new SubmissionValidator(mapper, config.intake().maxMessageSize(),
                config.intake().maxRecipients(), config.tls().level());
    }

    /** One poll: every record's output, reported at once (validation is synchronous). */
    @Override
    public void start(List<ConsumerRecord<String, byte[]>> batch, ExactlyOnceLoop.Results<byte[]> results) {
        QueueIndex.Batch writes = index.batch();
        List<List<ProducerRecord<String, byte[]>>> out;
        try {
            out = perRecord(batch, writes, Instant.now());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("intake batch not forwarded: " + e, e);
        }
        writes.flush();
        for (int i = 0; i < batch.size(); i++) {
            results.finished(batch.get(i), out.get(i));
        }
    }

    /** The records a batch of submissions causes, in input order; index writes go to {@code writes}. */
    List<ProducerRecord<String, byte[]>> records(List<ConsumerRecord<String, byte[]>> batch, QueueIndex.Batch writes,
                                                 Instant now) throws JsonProcessingException {
        List<ProducerRecord<String, byte[]>> flat = new ArrayList<>();
        perRecord(batch, writes, now).forEach(flat::addAll);
        return flat;
    }

    /** Per submission of the batch (in input order), the records it causes; index writes go to {@code writes}. */
    List<List<ProducerRecord<String, byte[]>>> perRecord(List<ConsumerRecord<String, byte[]>> records,
                                                         QueueIndex.Batch writes, Instant now) throws JsonProcessingException {
        List<Verdict> verdicts = new ArrayList<>();
        List<String> clientIds = new ArrayList<>();
        List<Map.Entry<String, String>> holds = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            String assignedId = assignedId(r);
            Verdict verdict = validator.judge(r.value(), assignedId, now);
            verdicts.add(verdict);
            if (verdict instanceof Verdict.Accepted a && !a.message().id().equals(assignedId)) {
                clientIds.add(a.message().id());
                holds.add(Map.entry(a.message().id(), r.topic() + "/" + r.partition() + "/" + r.offset()));
            }
        }
        Map<String, String> heldElsewhere = ids == null ? Map.of() : ids.hold(holds);
        Map<String, String> seen = new HashMap<>(ids == null ? Map.of() : ids.known(clientIds));
        heldElsewhere.forEach(seen::putIfAbsent);
        Map<String, String> claims = new HashMap<>();
        List<List<ProducerRecord<String, byte[]>>> all = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            ConsumerRecord<String, byte[]> r = records.get(i);
            Verdict verdict = verdicts.get(i);
            List<ProducerRecord<String, byte[]>> out = new ArrayList<>(2);
            all.add(out);
            if (verdict instanceof Verdict.Accepted a) {
                String id = a.message().id();
                if (ids != null && !id.equals(assignedId(r))) {
                    String source = r.topic() + "/" + r.partition() + "/" + r.offset();
                    String first = seen.putIfAbsent(id, source);
                    if (first != null && !first.equals(source)) {
                        duplicate(id, first, r, out);
                        continue;
                    }
                    claims.put(id, source);
                    writes.accepted(a.message(), source);
                } else {
                    writes.accepted(a.message(), null);
                }
                accept(a, out);
            } else {
                reject((Verdict.Rejected) verdict, r, now, out);
            }
        }
        if (ids != null) {
            ids.claim(claims, holds);
        }
        return all;
    }

    /** A re-submission of an id accepted from another record: to the DLQ with the reason, no event. */
    private void duplicate(String id, String first, ConsumerRecord<String, byte[]> in, List<ProducerRecord<String, byte[]>> out) {
        String reason = "duplicate id " + id + " (first accepted from " + first + "); not delivered again";
        LOG.warnf("%s: reject: %s", logSafe(id), logSafe(reason));
        if (ids != null) {
            ids.duplicate();
        }
        RecordHeaders headers = new RecordHeaders();
        headers.add(Topics.HEADER_REJECT_REASON, reason.getBytes(StandardCharsets.UTF_8));
        headers.add("warmwire-source", (in.topic() + "/" + in.partition() + "/" + in.offset()).getBytes(StandardCharsets.UTF_8));
        out.add(new ProducerRecord<>(Topics.SUBMIT_DLQ, null, in.key(), unchanged(in.value()), headers));
    }

    /**
     * Client-supplied text (ids, addresses, reasons that quote them) for one log line: cut to
     * {@link BoundedText#MAX_REASON} characters, control characters escaped, so a submission
     * cannot forge log lines.
     */
    static String logSafe(String s) {
        return BoundedText.escape(BoundedText.truncate(s, BoundedText.MAX_REASON));
    }

    /** A dead letter's value: the submission's bytes as they came (a tombstone as an empty value). */
    private static byte[] unchanged(byte[] value) {
        return value == null ? EMPTY : value;
    }

    /** {@code <base36 record timestamp>.<partition>.<offset>}: the same on every redelivery. */
    static String assignedId(ConsumerRecord<?, ?> r) {
        return Long.toString(r.timestamp(), 36) + "." + r.partition() + "." + r.offset();
    }

    private void accept(Verdict.Accepted a, List<ProducerRecord<String, byte[]>> out) throws JsonProcessingException {
        var m = a.message();
        if (LOG.isInfoEnabled()) {
            // concatenated, not infof: a Formatter per accepted message was a visible share of the CPU
            LOG.info(logSafe(m.id()) + ": from=<" + logSafe(m.from()) + ">, nrcpt=" + m.recipients().size() + ", size="
                    + m.size() + ", tls=" + m.tls().wireName() + " (queue active)");
        }
        out.add(new ProducerRecord<>(Topics.ROUTE, m.id(), MailFrame.of(m, writer)));
    }

    private void reject(Verdict.Rejected r, ConsumerRecord<String, byte[]> in, Instant now,
                        List<ProducerRecord<String, byte[]>> out) throws JsonProcessingException {
        LOG.warnf("%s: reject: %s", logSafe(r.id()), logSafe(r.reason()));
        RecordHeaders headers = new RecordHeaders();
        headers.add(Topics.HEADER_REJECT_REASON, r.reason() == null ? EMPTY
                : r.reason().getBytes(StandardCharsets.UTF_8));
        headers.add("warmwire-source",
                (in.topic() + "/" + in.partition() + "/" + in.offset()).getBytes(StandardCharsets.UTF_8));
        out.add(new ProducerRecord<>(Topics.SUBMIT_DLQ, null, in.key(), unchanged(in.value()), headers));
        List<String> rcpts = r.recipients().isEmpty() ? Collections.singletonList(null) : r.recipients();
        for (String rcpt : rcpts) {
            DeliveryEvent e = new DeliveryEvent(r.id(), rcpt, Status.REJECTED, 0, null, null, null, "5.6.0", null, null,
                    null, now, r.reason()).classified(rules);
            out.add(new ProducerRecord<>(Topics.EVENTS, r.id(), writer.writeValueAsBytes(e)));
        }
    }
}
