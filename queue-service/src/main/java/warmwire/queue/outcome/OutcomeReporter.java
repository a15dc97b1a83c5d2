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
 * BUGS
 *   Deferred recipients are reported but not yet retried: retry tiers come with the queue
 *   semantics issue.
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
    public OutcomeReporter(ObjectMapper mapper, QueueIndex index, QueueConfig config) {
        this.mapper = mapper;
        this.index = index;
        this.config = config;
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
            List<Uni<Void>> sends = new ArrayList<>();
            for (DeliveryEvent e : toEvents(o)) {
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
