package warmwire.delivery.intake;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.infinispan.client.hotrod.RemoteCache;
import org.infinispan.client.hotrod.RemoteCacheManager;
import org.jboss.logging.Logger;
import warmwire.contracts.Topics;
import warmwire.contracts.classify.ReplyRules;
import warmwire.contracts.mail.QueuedMessage;
import warmwire.contracts.mail.TlsLevel;
import warmwire.contracts.marks.Envelopes;
import warmwire.contracts.marks.FinalMarks;
import warmwire.contracts.marks.IndexMarks;
import warmwire.contracts.outcome.DeliveryEvent;
import warmwire.contracts.outcome.Status;
import warmwire.contracts.text.BoundedText;
import warmwire.delivery.DeliveryConfig;

/**
 * NAME
 *   Intake - judges submissions: a valid one becomes a queued message to route, the rest are
 *   dead-lettered.
 * DESCRIPTION
 *   The dispatch loop ({@link warmwire.delivery.dispatch.DispatchLoop}) reads mail.submit and
 *   hands each poll's submissions here, their values as the bytes the client wrote (never
 *   decoded with replacement characters). Each record is judged by {@link SubmissionValidator},
 *   one after the other ({@link #judge}): an accepted message is returned to be routed at once
 *   (its jobs go to mail.deliver in the same transaction as the submission's commit point: no
 *   internal topic between intake and routing); a rejected record goes byte for byte unchanged
 *   to mail.submit.dlq (same key, the reason in the {@value Topics#HEADER_REJECT_REASON} header
 *   and its origin {@code <topic>/<partition>/<offset>} in {@code warmwire-source}) with one
 *   {@code rejected} event per readable recipient on mail.events.
 *   Client ids are claimed in Infinispan for the whole poll at once ({@link DuplicateIds}: one
 *   read, one write), so a re-submission of an id is refused; every accepted message's envelope
 *   goes to the queue index ({@link Envelopes}, for queue-service's admin queries) in one
 *   asynchronous write per poll.
 *   A message without a client id gets {@code <base36 record time>.<partition>.<offset>}, which
 *   is the same on every redelivery of that record.
 */
@ApplicationScoped
public class Intake {
    private static final Logger LOG = Logger.getLogger(Intake.class);
    private static final byte[] EMPTY = new byte[0];

    /**
     * A submission judged: {@code accepted}, the message to route, or null; {@code out}, the
     * records that end a submission not accepted (dead letter, rejected events).
     */
    public record Judged(QueuedMessage accepted, List<ProducerRecord<String, byte[]>> out) {
    }

    private final ObjectMapper mapper;
    private final ObjectWriter writer;
    private final SubmissionValidator validator;
    private final IndexMarks index;

    @Inject
    DuplicateIds ids;

    /** The classes of events ({@code warmwire.reply-classes.file}); the shipped rules until injected. */
    @Inject
    ReplyRules rules = ReplyRules.defaults();

    /** Counts dead letters by reason ({@code warmwire_dlq_total{reason}}); none in unit tests. */
    @Inject
    MeterRegistry registry;

    /**
     * The cache is taken from the Hot Rod client when this bean is first used, not injected with
     * {@code @Remote}: Quarkus opens every injected cache at startup, and the routing unit tests
     * (DispatcherTest) run without a server.
     */
    @Inject
    public Intake(ObjectMapper mapper, DeliveryConfig config, RemoteCacheManager infinispan) {
        this(mapper, infinispan.<String, String>getCache(FinalMarks.CACHE), config.index().lifespan().toSeconds(),
                config.intake().maxMessageSize(), config.intake().maxRecipients(), config.tls().level());
    }

    /** Intake with its settings given (unit tests); {@code index}: the queue-index cache. */
    public Intake(ObjectMapper mapper, RemoteCache<String, String> index, long lifespanSeconds, int maxMessageSize,
                  int maxRecipients, TlsLevel floor) {
        this.mapper = mapper;
        this.writer = mapper.writer();
        this.index = Envelopes.in(index, Duration.ofSeconds(lifespanSeconds));
        this.validator = new SubmissionValidator(mapper, maxMessageSize, maxRecipients, floor);
    }

    /**
     * Judges a poll's submissions; per record (in input order) what became of it. The envelopes
     * of the accepted messages are written to the queue index before this returns (asynchronously).
     */
    public List<Judged> judge(List<ConsumerRecord<String, byte[]>> records, Instant now) throws JsonProcessingException {
        List<Verdict> verdicts = new ArrayList<>();
        List<String> clientIds = new ArrayList<>();
        List<Map.Entry<String, String>> holds = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            String assignedId = assignedId(r);
            Verdict verdict = validator.judge(r.value(), assignedId, now);
            verdicts.add(verdict);
            if (verdict instanceof Verdict.Accepted a && !a.message().id().equals(assignedId)) {
                clientIds.add(a.message().id());
                holds.add(Map.entry(a.message().id(), source(r)));
            }
        }
        Map<String, String> heldElsewhere = ids == null ? Map.of() : ids.hold(holds);
        Map<String, String> seen = new HashMap<>(ids == null ? Map.of() : ids.known(clientIds));
        heldElsewhere.forEach(seen::putIfAbsent);
        Map<String, String> claims = new HashMap<>();
        Map<String, String> envelopes = new HashMap<>();
        List<Judged> all = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            ConsumerRecord<String, byte[]> r = records.get(i);
            Verdict verdict = verdicts.get(i);
            if (verdict instanceof Verdict.Accepted a) {
                QueuedMessage m = a.message();
                String claimed = null;
                if (ids != null && !m.id().equals(assignedId(r))) {
                    String source = source(r);
                    String first = seen.putIfAbsent(m.id(), source);
                    if (first != null && !first.equals(source)) {
                        all.add(new Judged(null, List.of(duplicate(m.id(), first, r))));
                        continue;
                    }
                    claims.put(m.id(), source);
                    claimed = source;
                }
                envelopes.put(m.id(), Envelopes.value(mapper, m, claimed));
                accepted(m);
                all.add(new Judged(m, List.of()));
            } else {
                all.add(new Judged(null, reject((Verdict.Rejected) verdict, r, now)));
            }
        }
        if (ids != null) {
            ids.claim(claims, holds);
        }
        index.put(envelopes); // asynchronous, best effort: a failure is logged, mail goes on
        return all;
    }

    private static String source(ConsumerRecord<?, ?> r) {
        return r.topic() + "/" + r.partition() + "/" + r.offset();
    }

    private void countInvalid() {
        if (registry != null) {
            Counter.builder("warmwire.dlq").tag("reason", "invalid").description("submissions not valid, written to mail.submit.dlq")
                    .register(registry).increment();
        }
    }

    /** A re-submission of an id accepted from another record: to the DLQ with the reason, no event. */
    private ProducerRecord<String, byte[]> duplicate(String id, String first, ConsumerRecord<String, byte[]> in) {
        String reason = "duplicate id " + id + " (first accepted from " + first + "); not delivered again";
        LOG.warnf("%s: reject: %s", logSafe(id), logSafe(reason));
        if (ids != null) {
            ids.duplicate();
        }
        return deadLetter(in, reason);
    }

    /**
     * {@code in}'s dead letter: its bytes as they came (a tombstone as an empty value), same key,
     * the reason in {@value Topics#HEADER_REJECT_REASON} and its origin in {@code warmwire-source}.
     */
    private static ProducerRecord<String, byte[]> deadLetter(ConsumerRecord<String, byte[]> in, String reason) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(Topics.HEADER_REJECT_REASON, reason == null ? EMPTY : reason.getBytes(StandardCharsets.UTF_8));
        headers.add("warmwire-source", source(in).getBytes(StandardCharsets.UTF_8));
        return new ProducerRecord<>(Topics.SUBMIT_DLQ, null, in.key(), in.value() == null ? EMPTY : in.value(), headers);
    }

    /**
     * Client-supplied text (ids, addresses, reasons that quote them) for one log line: cut to
     * {@link BoundedText#MAX_REASON} characters, control characters escaped, so a submission
     * cannot forge log lines.
     */
    static String logSafe(String s) {
        return BoundedText.escape(BoundedText.truncate(s, BoundedText.MAX_REASON));
    }

    /** {@code <base36 record timestamp>.<partition>.<offset>}: the same on every redelivery. */
    static String assignedId(ConsumerRecord<?, ?> r) {
        return Long.toString(r.timestamp(), 36) + "." + r.partition() + "." + r.offset();
    }

    private static void accepted(QueuedMessage m) {
        if (LOG.isInfoEnabled()) {
            // concatenated, not infof: a Formatter per accepted message was a visible share of the CPU
            LOG.info(logSafe(m.id()) + ": from=<" + logSafe(m.from()) + ">, nrcpt=" + m.recipients().size() + ", size="
                    + m.size() + ", tls=" + m.tls().wireName() + " (queue active)");
        }
    }

    private List<ProducerRecord<String, byte[]>> reject(Verdict.Rejected r, ConsumerRecord<String, byte[]> in, Instant now)
            throws JsonProcessingException {
        LOG.warnf("%s: reject: %s", logSafe(r.id()), logSafe(r.reason()));
        countInvalid();
        List<ProducerRecord<String, byte[]>> out = new ArrayList<>(2);
        out.add(deadLetter(in, r.reason()));
        List<String> rcpts = r.recipients().isEmpty() ? Collections.singletonList(null) : r.recipients();
        for (String rcpt : rcpts) {
            DeliveryEvent e = new DeliveryEvent(r.id(), rcpt, Status.REJECTED, 0, null, null, null, "5.6.0", null, null,
                    null, now, r.reason()).classified(rules);
            out.add(new ProducerRecord<>(Topics.EVENTS, r.id(), writer.writeValueAsBytes(e)));
        }
        return out;
    }
}
