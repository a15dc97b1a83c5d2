package warmwire.session.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;
import warmwire.contracts.outcome.DeliveryOutcome;
import warmwire.contracts.route.DeliveryJob;
import warmwire.session.SessionConfig;

/**
 * NAME
 *   DeliveryJobConsumer - mail.deliver in, SMTP delivery, mail.outcome out.
 * DESCRIPTION
 *   Channels: {@code deliver} (in, mail.deliver) and {@code outcome} (out, mail.outcome,
 *   key = message id). For each job the consumer takes an in-flight slot, starts the delivery
 *   and returns at once (or, at the bound, when a slot frees): SmallRye hands over the next
 *   record when the returned stage completes, so jobs of a slow site never block the others.
 *   The job's record is acknowledged when its outcome record is acknowledged by the broker,
 *   and nacked when that send fails; the throttled commit strategy then commits up to the
 *   lowest unfinished record of each partition.
 *   A record that is not a readable job cannot produce an outcome (no message id): it is
 *   logged with its metadata and acknowledged.
 */
@ApplicationScoped
public class DeliveryJobConsumer {
    private static final Logger LOG = Logger.getLogger(DeliveryJobConsumer.class);

    private final ObjectMapper mapper;
    private final DeliveryAgent agent;
    private final InFlightLimit limit;

    @Inject
    @Channel("outcome")
    MutinyEmitter<String> outcomes;

    @Inject
    public DeliveryJobConsumer(ObjectMapper mapper, DeliveryAgent agent, SessionConfig config) {
        this.mapper = mapper;
        this.agent = agent;
        this.limit = new InFlightLimit(config.session().maxInFlight(), config.session().maxInFlightBytes());
    }

    @Incoming("deliver")
    public CompletionStage<Void> onJob(Message<String> record) {
        DeliveryJob job;
        try {
            job = mapper.readValue(record.getPayload(), DeliveryJob.class);
        } catch (Exception e) {
            LOG.errorf("unreadable record on mail.deliver skipped: %s (%s)", e.getMessage(), record.getMetadata());
            return record.ack();
        }
        if (job.messageId() == null || job.recipients() == null) {
            LOG.errorf("job without message id or recipients skipped: %s", job.jobId());
            return record.ack();
        }
        CompletionStage<Void> next;
        long size = record.getPayload().length();
        try {
            next = limit.acquire(size);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        agent.deliver(job).onComplete(ar -> publish(record, job, size, ar.succeeded() ? ar.result()
                : DeliveryAgent.local(job, warmwire.contracts.outcome.Status.DEFERRED, "internal error: " + ar.cause())));
        return next;
    }

    private void publish(Message<String> record, DeliveryJob job, long size, DeliveryOutcome outcome) {
        String json;
        try {
            json = mapper.writeValueAsString(outcome);
        } catch (Exception e) {
            limit.release(size);
            LOG.errorf(e, "outcome of job %s not serialisable; job stays uncommitted", job.jobId());
            record.nack(e);
            return;
        }
        outcomes.sendMessage(Message.of(json)
                        .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(job.messageId()).build()))
                .subscribe().with(ok -> {
                    limit.release(size);
                    record.ack();
                }, err -> {
                    limit.release(size);
                    LOG.errorf(err, "outcome of job %s not published; job stays uncommitted", job.jobId());
                    record.nack(err);
                });
    }

    /** Jobs being delivered now (for tests and health). */
    public int inFlight() {
        return limit.inFlight();
    }
}
