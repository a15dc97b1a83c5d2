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
import warmwire.contracts.check.Checked;
import warmwire.contracts.check.DeliveryJobCheck;
import warmwire.contracts.check.RecordLimits;
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
 *   Every record is judged by {@link DeliveryJobCheck} first, before it takes an in-flight slot
 *   or reaches a site queue: one that is not valid for mail.deliver (not JSON, null endpoints or
 *   recipients, absurd sizes or dates...) goes to mail.internal.dlq with its reason
 *   ({@link DeadLetters}) and is acknowledged; on a partition this instance no longer owns it is
 *   only acknowledged locally (its owner dead-letters it).
 *   No delivery starts before mail.control has been read to its end ({@code controlCaughtUp}):
 *   the record waits, unacknowledged and holding no slot (SmallRye hands over no other record
 *   meanwhile), up to {@code warmwire.session.control-wait} (30 s); still not caught up (Kafka
 *   unreachable), the job is deferred without connecting ("operator decisions not read yet"),
 *   never delivered unchecked to a site that may be suspended. Created at startup, so the outcome producer is
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
    private RecordLimits limits = RecordLimits.DEFAULT;
    private DeadLetters deadLetters;
    private java.util.function.BooleanSupplier controlCaughtUp = () -> true;
    private java.time.Duration controlWait = java.time.Duration.ofSeconds(30);
    private static final java.util.concurrent.ScheduledExecutorService WAITER =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "warmwire-control-wait");
                t.setDaemon(true);
                return t;
            });

    @Inject
    public DeliveryJobConsumer(ObjectMapper mapper, DeliveryAgent agent, SessionConfig config, OutcomePublisher outcomes,
                               DoneJobs done, Ownership ownership, DeadLetters deadLetters,
                               warmwire.session.control.SuspendedSites sites,
                               @org.eclipse.microprofile.config.inject.ConfigProperty(name = "warmwire.intake.max-recipients",
                                       defaultValue = "1000") int maxRecipients,
                               @org.eclipse.microprofile.config.inject.ConfigProperty(name = "warmwire.session.control-wait",
                                       defaultValue = "30s") java.time.Duration controlWait) {
        this(mapper, agent::deliver, new InFlightLimit(config.session().maxInFlight(), config.session().maxInFlightBytes()),
                outcomes, done, ownership);
        checked(new RecordLimits(maxRecipients), deadLetters, sites::caughtUp, controlWait);
    }

    /** Sets the record check's limits, the dead-letter writer and the control gate (tests: any). */
    DeliveryJobConsumer checked(RecordLimits limits, DeadLetters deadLetters, java.util.function.BooleanSupplier caughtUp,
                                java.time.Duration wait) {
        this.limits = limits;
        this.deadLetters = deadLetters;
        this.controlCaughtUp = caughtUp;
        this.controlWait = wait;
        return this;
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
        int partition = partitionOf(record);
        Checked<DeliveryJob> checked = DeliveryJobCheck.check(payload, limits, java.time.Instant.now());
        if (!checked.isValid()) {
            if (!ownership.owns(partition)) {
                return record.ack(); // its owner reads and dead-letters it
            }
            return deadLetter(record, partition, payload, checked.reason());
        }
        DeliveryJob job = checked.value();
        if (controlCaughtUp.getAsBoolean()) {
            return take(record, job, payload, partition, deliver);
        }
        Context context = Vertx.currentContext();
        CompletableFuture<Boolean> caught = new CompletableFuture<>();
        long deadline = System.nanoTime() + controlWait.toNanos();
        awaitControl(caught, deadline);
        return caught.thenCompose(ok -> {
            Function<DeliveryJob, Future<DeliveryOutcome>> how = ok ? deliver
                    : j -> Future.succeededFuture(DeliveryAgent.local(j, Status.DEFERRED,
                            "operator decisions (mail.control) not read yet: not delivered unchecked"));
            if (!ok) {
                LOG.warnf("job %s deferred: mail.control not read to its end after %s", job.jobId(), controlWait);
            }
            CompletableFuture<Void> next = new CompletableFuture<>();
            Runnable go = () -> take(record, job, payload, partition, how).whenComplete((v, e) -> {
                if (e != null) {
                    next.completeExceptionally(e);
                } else {
                    next.complete(v);
                }
            });
            if (context == null) {
                go.run();
            } else {
                context.runOnContext(v -> go.run());
            }
            return next;
        });
    }

    private void awaitControl(CompletableFuture<Boolean> caught, long deadline) {
        if (controlCaughtUp.getAsBoolean()) {
            caught.complete(true);
        } else if (System.nanoTime() > deadline) {
            caught.complete(false);
        } else {
            WAITER.schedule(() -> awaitControl(caught, deadline), 100, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    /** An invalid record: to mail.internal.dlq, then acknowledged (also when the dead letter failed: logged). */
    private CompletionStage<Void> deadLetter(Message<byte[]> record, int partition, byte[] payload, String reason) {
        IncomingKafkaRecordMetadata<?, ?> m = record.getMetadata(IncomingKafkaRecordMetadata.class).orElse(null);
        String key = m == null || m.getKey() == null ? null : String.valueOf(m.getKey());
        long offset = m == null ? -1 : m.getOffset();
        String topic = m == null ? warmwire.contracts.Topics.DELIVER : m.getTopic();
        if (deadLetters == null) {
            LOG.errorf("invalid record on %s %d@%d skipped: %s", topic, partition, offset,
                    warmwire.contracts.text.BoundedText.escape(reason));
            return record.ack();
        }
        Context context = Vertx.currentContext();
        CompletableFuture<Void> acked = new CompletableFuture<>();
        deadLetters.write(topic, partition, offset, key, reason, payload).whenComplete((v, e) -> {
            Runnable ack = () -> record.ack().whenComplete((x, err) -> acked.complete(null));
            if (context == null) {
                ack.run();
            } else {
                context.runOnContext(y -> ack.run());
            }
        });
        return acked;
    }

    /** A valid job: a slot, the done-job check, then {@code how} delivers it. */
    private CompletionStage<Void> take(Message<byte[]> record, DeliveryJob job, byte[] payload, int partition,
                                       Function<DeliveryJob, Future<DeliveryOutcome>> how) {
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
                start(record, j, size, claim, Boolean.TRUE.equals(dup), partition, finished, how);
            } else {
                context.runOnContext(v -> start(record, j, size, claim, Boolean.TRUE.equals(dup), partition, finished, how));
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
                       int partition, Runnable finished, Function<DeliveryJob, Future<DeliveryOutcome>> how) {
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
            delivery = how.apply(job);
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
