package warmwire.session.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.quarkus.runtime.Startup;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;
import warmwire.contracts.outcome.DeliveryOutcome;
import warmwire.contracts.outcome.Status;
import warmwire.contracts.route.DeliveryJob;
import warmwire.session.SessionConfig;
import warmwire.session.shard.Ownership;

/**
 * NAME
 *   DeliveryJobConsumer - mail.deliver in, SMTP delivery, mail.outcome out.
 * DESCRIPTION
 *   Channel {@code deliver} (in, mail.deliver, one record at a time; the value is the job's
 *   UTF-8 JSON, parsed from the bytes). For each job the consumer takes an in-flight slot,
 *   starts the delivery and returns at once (or, at the bound, when a slot frees): SmallRye
 *   hands over the next record when the returned stage completes, so jobs of a slow site never
 *   block the others. The outcome goes to mail.outcome (key = message id) through the shared
 *   {@link OutcomePublisher}; the job's record is acknowledged when the broker has acknowledged
 *   the outcome (acks=all), and nacked when that send fails (the failure strategy then stops
 *   the channel: the job stays uncommitted and is delivered again after a restart). The slot is
 *   freed in both cases. The throttled commit strategy commits up to the lowest unfinished
 *   record of each partition.
 *   A record that is not a readable job cannot produce an outcome (no message id): it is
 *   logged with its metadata and acknowledged. Created at startup, so the outcome producer is
 *   made (and its settings checked) before the first job, not on an event loop.
 *   Not batch consumption: in batch mode SmallRye's throttled strategy (4.33) tracks only the
 *   last record of each partition in a batch, so acknowledging the records one by one would
 *   commit past jobs still in flight (package-info: WHY NOT BATCHES).
 */
@Startup
@ApplicationScoped
public class DeliveryJobConsumer {
    private static final Logger LOG = Logger.getLogger(DeliveryJobConsumer.class);

    private final ObjectReader jobs;
    private final ObjectWriter outcomeJson;
    private final Function<DeliveryJob, Future<DeliveryOutcome>> deliver;
    private final InFlightLimit limit;
    private final OutcomePublisher outcomes;
    private final DoneJobs done;
    private final Ownership ownership;

    @Inject
    public DeliveryJobConsumer(ObjectMapper mapper, DeliveryAgent agent, SessionConfig config, OutcomePublisher outcomes,
                               DoneJobs done, Ownership ownership) {
        this(mapper, agent::deliver, new InFlightLimit(config.session().maxInFlight(), config.session().maxInFlightBytes()),
                outcomes, done, ownership);
    }

    /** The consumer over any delivery function (tests). */
    DeliveryJobConsumer(ObjectMapper mapper, Function<DeliveryJob, Future<DeliveryOutcome>> deliver, InFlightLimit limit,
                        OutcomePublisher outcomes, DoneJobs done) {
        this(mapper, deliver, limit, outcomes, done, new Ownership());
    }

    DeliveryJobConsumer(ObjectMapper mapper, Function<DeliveryJob, Future<DeliveryOutcome>> deliver, InFlightLimit limit,
                        OutcomePublisher outcomes, DoneJobs done, Ownership ownership) {
        this.jobs = mapper.readerFor(DeliveryJob.class);
        this.outcomeJson = mapper.writerFor(DeliveryOutcome.class);
        this.deliver = deliver;
        this.limit = limit;
        this.outcomes = outcomes;
        this.done = done;
        this.ownership = ownership;
    }

    /** The partition of mail.deliver a record came from; -1 without Kafka metadata (in-memory tests). */
    static int partitionOf(Message<?> record) {
        return record.getMetadata(IncomingKafkaRecordMetadata.class).map(m -> m.getPartition()).orElse(-1);
    }

    @Incoming("deliver")
    public CompletionStage<Void> onJob(Message<byte[]> record) {
        byte[] payload = record.getPayload();
        DeliveryJob job;
        try {
            job = payload == null ? null : jobs.readValue(payload);
        } catch (Exception e) {
            LOG.errorf("unreadable record on mail.deliver skipped: %s (%s)", e.getMessage(), record.getMetadata());
            return record.ack();
        }
        if (job == null || job.messageId() == null || job.recipients() == null) {
            LOG.errorf("job without message id or recipients skipped: %s (%s)", job == null ? "null record" : job.jobId(),
                    record.getMetadata());
            return record.ack();
        }
        int partition = partitionOf(record);
        if (!ownership.owns(partition)) {
            return handBack(record, job, partition);
        }
        Runnable finished = ownership.track(partition);
        long size = payload.length;
        CompletionStage<Void> next;
        try {
            next = limit.acquire(size);
        } catch (RuntimeException e) {
            finished.run();
            return CompletableFuture.failedFuture(e);
        }
        DeliveryJob j = job;
        DoneJobs.Claim claim = done.claim(job.jobId() == null ? job.messageId() + "/" + job.attempt() : job.jobId());
        Context context = Vertx.currentContext();
        claim.duplicate().whenComplete((dup, e) -> {
            if (context == null || Vertx.currentContext() == context) {
                start(record, j, size, claim, Boolean.TRUE.equals(dup), partition, finished);
            } else {
                context.runOnContext(v -> start(record, j, size, claim, Boolean.TRUE.equals(dup), partition, finished));
            }
        });
        return next;
    }

    /**
     * A job of a partition this instance no longer owns is not started: its record is
     * acknowledged only locally (the revoked partition's offsets are no longer committed from
     * here), so the new owner reads it from the committed offset.
     */
    private CompletionStage<Void> handBack(Message<byte[]> record, DeliveryJob job, int partition) {
        LOG.infof("job %s of partition %d not started: the partition moved to another instance, which delivers it",
                job.jobId(), partition);
        return record.ack();
    }

    /** Delivers the job, or drops it when it is a copy of one delivered already ({@link DoneJobs}). */
    private void start(Message<byte[]> record, DeliveryJob job, long size, DoneJobs.Claim claim, boolean duplicate,
                       int partition, Runnable finished) {
        if (duplicate) {
            LOG.infof("job %s was delivered already (a redelivered copy after a crash): dropped, no second delivery",
                    job.jobId());
            limit.release(size);
            record.ack();
            finished.run();
            return;
        }
        if (!ownership.owns(partition)) { // revoked while the done check ran
            limit.release(size);
            claim.release();
            handBack(record, job, partition);
            finished.run();
            return;
        }
        Future<DeliveryOutcome> delivery;
        try {
            delivery = deliver.apply(job);
        } catch (RuntimeException e) {
            delivery = Future.failedFuture(e);
        }
        delivery.onComplete(ar -> publish(record, job, size, claim, ar.succeeded() ? ar.result()
                : DeliveryAgent.local(job, Status.DEFERRED, "internal error: " + ar.cause()), finished));
    }

    private void publish(Message<byte[]> record, DeliveryJob job, long size, DoneJobs.Claim claim, DeliveryOutcome outcome,
                         Runnable finished) {
        byte[] json;
        try {
            json = outcomeJson.writeValueAsBytes(outcome);
        } catch (Exception e) {
            limit.release(size);
            claim.release();
            finished.run();
            LOG.errorf(e, "outcome of job %s not serialisable; job stays uncommitted", job.jobId());
            record.nack(e);
            return;
        }
        outcomes.publish(job.messageId(), json, (metadata, err) -> {
            limit.release(size);
            if (err == null) {
                claim.done().whenComplete((v, e) -> finished.run());
                record.ack();
            } else {
                claim.release();
                finished.run();
                LOG.errorf(err, "outcome of job %s not published; job stays uncommitted", job.jobId());
                record.nack(err);
            }
        });
    }

    /** Jobs being delivered now (for tests and health). */
    public int inFlight() {
        return limit.inFlight();
    }
}
