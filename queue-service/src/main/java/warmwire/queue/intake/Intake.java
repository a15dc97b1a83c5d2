package warmwire.queue.intake;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;
import warmwire.contracts.Topics;
import warmwire.contracts.outcome.DeliveryEvent;
import warmwire.contracts.outcome.Status;
import warmwire.queue.QueueConfig;
import warmwire.queue.index.QueueIndex;

/**
 * NAME
 *   Intake - consumes mail.submit; forwards valid mail to mail.route, dead-letters the rest.
 * DESCRIPTION
 *   Channels: {@code submit} (in, mail.submit), {@code route} (out, mail.route, key = message id),
 *   {@code submit-dlq} (out, mail.submit.dlq: the original record with the reason in the
 *   {@value Topics#HEADER_REJECT_REASON} header) and {@code events} (out, mail.events).
 *   The incoming record is acknowledged - and so its offset becomes committable - only after
 *   every record it caused is acknowledged by the broker (DESIGN.md principle 1); a failed send
 *   nacks it and the channel's failure strategy stops consumption rather than lose it.
 *   Records are judged on worker threads, several at once; the throttled commit strategy
 *   commits up to the lowest unfinished offset.
 *   A message without a client id gets {@code <base36 record time>.<partition>.<offset>}, which
 *   is the same on every redelivery of that record.
 */
@ApplicationScoped
public class Intake {
    private static final Logger LOG = Logger.getLogger(Intake.class);

    private final ObjectMapper mapper;
    private final SubmissionValidator validator;
    private final QueueConfig config;
    private final QueueIndex index;

    @Inject
    @Channel("route")
    MutinyEmitter<String> route;

    @Inject
    @Channel("submit-dlq")
    MutinyEmitter<String> dlq;

    @Inject
    @Channel("events")
    MutinyEmitter<String> events;

    @Inject
    public Intake(ObjectMapper mapper, QueueConfig config, QueueIndex index) {
        this.mapper = mapper;
        this.config = config;
        this.index = index;
        this.validator = new SubmissionValidator(mapper, config.intake().maxMessageSize(),
                config.intake().maxRecipients(), config.tls().level());
    }

    @Incoming("submit")
    @Blocking(value = "intake", ordered = false)
    public CompletionStage<Void> onSubmit(Message<String> record) {
        Instant now = Instant.now();
        Optional<IncomingKafkaRecordMetadata> meta = record.getMetadata(IncomingKafkaRecordMetadata.class);
        String assignedId = meta.map(m -> Long.toString(m.getTimestamp().toEpochMilli(), 36) + "."
                + m.getPartition() + "." + m.getOffset()).orElseGet(() -> Long.toString(now.toEpochMilli(), 36)
                        + "." + System.nanoTime());
        try {
            Verdict verdict = validator.judge(record.getPayload(), assignedId, now);
            Uni<Void> sent = verdict instanceof Verdict.Accepted a ? accept(a)
                    : reject((Verdict.Rejected) verdict, record, meta);
            sent.await().atMost(config.intake().sendTimeout());
            return record.ack();
        } catch (RuntimeException | JsonProcessingException e) {
            LOG.errorf(e, "intake could not forward record %s; it stays uncommitted", assignedId);
            return record.nack(e);
        }
    }

    private Uni<Void> accept(Verdict.Accepted a) throws JsonProcessingException {
        var m = a.message();
        LOG.infof("%s: from=<%s>, nrcpt=%d, size=%d, tls=%s (queue active)", m.id(), m.from(),
                m.recipients().size(), m.contentBase64().length() * 3 / 4, m.tls().wireName());
        index.accepted(m);
        return route.sendMessage(Message.of(mapper.writeValueAsString(m))
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(m.id()).build()));
    }

    private Uni<Void> reject(Verdict.Rejected r, Message<String> record, Optional<IncomingKafkaRecordMetadata> meta)
            throws JsonProcessingException {
        LOG.warnf("%s: reject: %s", r.id(), r.reason());
        RecordHeaders headers = new RecordHeaders();
        headers.add(Topics.HEADER_REJECT_REASON, r.reason().getBytes(StandardCharsets.UTF_8));
        meta.ifPresent(m -> headers.add("warmwire-source",
                (m.getTopic() + "/" + m.getPartition() + "/" + m.getOffset()).getBytes(StandardCharsets.UTF_8)));
        Object key = meta.map(IncomingKafkaRecordMetadata::getKey).orElse(null);
        List<Uni<Void>> sends = new ArrayList<>();
        sends.add(dlq.sendMessage(Message.of(record.getPayload() == null ? "" : record.getPayload())
                .addMetadata(OutgoingKafkaRecordMetadata.builder().withKey(key).withHeaders(headers).build())));
        List<String> rcpts = r.recipients().isEmpty() ? java.util.Collections.singletonList(null) : r.recipients();
        for (String rcpt : rcpts) {
            DeliveryEvent e = new DeliveryEvent(r.id(), rcpt, Status.REJECTED, 0, null, null, null, "5.6.0", null, null,
                    null, Instant.now(), r.reason());
            sends.add(events.sendMessage(Message.of(mapper.writeValueAsString(e))
                    .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(r.id()).build())));
        }
        return Uni.join().all(sends).andFailFast().replaceWithVoid();
    }
}
