package warmwire.queue.outcome;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;
import warmwire.contracts.outcome.DeliveryEvent;
import warmwire.contracts.outcome.DeliveryOutcome;
import warmwire.contracts.outcome.RecipientResult;
import warmwire.queue.QueueConfig;
import warmwire.queue.index.QueueIndex;
import warmwire.queue.dsn.DsnWriter;
import warmwire.queue.retry.Backoff;
import warmwire.queue.retry.OutcomePlan;
import warmwire.contracts.Topics;
import warmwire.contracts.mail.QueuedMessage;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * NAME
 *   OutcomeReporter - turns mail.outcome records into mail.events records and log lines.
 * DESCRIPTION
 *   Channels: {@code outcome} (in, mail.outcome) and {@code events} (out, mail.events, key =
 *   message id). One event per recipient result, and one {@link DeliveryLogLine} each, logged
 *   under the category {@code warmwire.delivery}. The outcome record is acknowledged only after
 *   all its events are acknowledged by the broker.
 *   An outcome record that is not valid JSON cannot come from Warmwire's own services; it is
 *   logged with its offset and skipped, since no recipient can be read from it.
 *   What else an outcome causes is decided by {@link OutcomePlan}: deferred recipients go to a
 *   retry tier (channel {@code retry}, topic per record) or expire at the queue lifetime;
 *   bounced and expired ones are reported to the sender with a DSN written to mail.route
 *   (channel {@code route}). The outcome is acknowledged after every one of those records is.
 */
@ApplicationScoped
public class OutcomeReporter {
    private static final Logger LOG = Logger.getLogger(OutcomeReporter.class);
    private static final Logger DELIVERY_LOG = Logger.getLogger("warmwire.delivery");

    private final ObjectMapper mapper;
    private final QueueIndex index;
    private final QueueConfig config;

    @Inject
    @Channel("events")
    MutinyEmitter<String> events;

    @Inject
    @Channel("retry")
    MutinyEmitter<String> retries;

    @Inject
    @Channel("route")
    MutinyEmitter<String> route;

    private final Backoff backoff;
    private final DsnWriter dsn;

    @Inject
    public OutcomeReporter(ObjectMapper mapper, QueueIndex index, QueueConfig config) {
        this.mapper = mapper;
        this.index = index;
        this.config = config;
        this.backoff = new Backoff(config.queue().minimalBackoff(), config.queue().maximalBackoff());
        this.dsn = new DsnWriter(config.queue().hostname(), config.queue().dsnReturnSizeLimit());
    }

    @Incoming("outcome")
    @Blocking(value = "outcome", ordered = false)
    public CompletionStage<Void> onOutcome(Message<String> record) {
        DeliveryOutcome o;
        try {
            o = mapper.readValue(record.getPayload(), DeliveryOutcome.class);
        } catch (Exception e) {
            LOG.errorf("unreadable record on mail.outcome skipped: %s (%s)", e.getMessage(), record.getMetadata());
            return record.ack();
        }
        try {
            OutcomePlan plan = OutcomePlan.of(o, toEvents(o), backoff, config.queue().maximalQueueLifetime(),
                    config.queue().delayWarningTime(), dsn, Instant.now());
            if (plan.problem() != null) {
                LOG.error(plan.problem());
            }
            List<Uni<Void>> sends = new ArrayList<>();
            if (plan.retry() != null) {
                OutcomePlan.Retry r = plan.retry();
                RecordHeaders headers = new RecordHeaders();
                if (r.site() != null) {
                    headers.add(Topics.HEADER_SITE, r.site().getBytes(StandardCharsets.UTF_8));
                }
                sends.add(retries.sendMessage(Message.of(mapper.writeValueAsString(r.message()))
                        .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withTopic(r.topic())
                                .withKey(r.message().id()).withHeaders(headers).build())));
            }
            for (QueuedMessage notice : plan.notices()) {
                LOG.infof("%s: sender non-delivery notification: %s", o.messageId(), notice.id());
                sends.add(route.sendMessage(Message.of(mapper.writeValueAsString(notice))
                        .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(notice.id()).build())));
            }
            for (DeliveryEvent e : plan.events()) {
                DELIVERY_LOG.info(DeliveryLogLine.format(e));
                index.recipientEvent(e);
                sends.add(events.sendMessage(Message.of(mapper.writeValueAsString(e))
                        .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(e.id()).build())));
            }
            Uni.join().all(sends).andFailFast().await().atMost(config.intake().sendTimeout());
            return record.ack();
        } catch (Exception e) {
            LOG.errorf(e, "events of %s not published; outcome stays uncommitted", o.messageId());
            return record.nack(e);
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
