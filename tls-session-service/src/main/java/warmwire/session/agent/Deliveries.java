package warmwire.session.agent;

import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;
import warmwire.contracts.check.Checked;
import warmwire.contracts.check.DeadLetterProducer;
import warmwire.contracts.check.DeliveryJobCheck;
import warmwire.contracts.check.InternalDeadLetter;
import warmwire.contracts.check.RecordLimits;
import warmwire.contracts.outcome.DeliveryOutcome;
import warmwire.contracts.outcome.Status;
import warmwire.contracts.route.DeliveryJob;
import warmwire.pipeline.ExactlyOnceLoop;
import warmwire.session.deadletter.DeadLetters;
import warmwire.session.outcome.OutcomeBuilder;

/**
 * NAME
 *   Deliveries - the work of the mail.deliver hop: a job record in, its outcome's records out.
 * DESCRIPTION
 *   The delivery loop (an {@link ExactlyOnceLoop}, {@link DeliveryLoopSetup}) hands each poll's
 *   jobs here; each one is started at once and reports its outcome when its SMTP transaction
 *   ends, so a slow site holds back nothing but itself. Step by step, per record:
 *     1. {@link DeliveryJobCheck}: a record that is not valid for mail.deliver (not JSON, null
 *        endpoints or recipients, absurd sizes or dates) becomes a dead letter on
 *        mail.internal.dlq, with its reason, committed with the partition's commit point;
 *     2. before the first job after a start, mail.control must have been read to its end
 *        ({@code controlCaughtUp}), waited for at most {@code controlWait}; without it, jobs
 *        are deferred without connecting ("operator decisions not read yet"): a suspended site
 *        is never delivered to unchecked;
 *     3. {@code deliver}: the job's outcome (never a failure: an internal error defers every
 *        recipient), written as its records ({@link OutcomeRecords}: the outcome for
 *        queue-service, or the final events of a first attempt delivered to every recipient) on
 *        the event loop that finished it.
 */
public final class Deliveries implements ExactlyOnceLoop.Work<byte[], byte[]> {
    private static final Logger LOG = Logger.getLogger(Deliveries.class);

    private final OutcomeRecords outcomes;
    private final RecordLimits limits;
    private final Function<DeliveryJob, Future<DeliveryOutcome>> deliver;
    private final DeadLetters deadLetters;
    private final BooleanSupplier controlCaughtUp;
    private final Duration controlWait;
    private long controlDeadline = -1;
    private boolean controlRead;

    public Deliveries(OutcomeRecords outcomes, RecordLimits limits, Function<DeliveryJob, Future<DeliveryOutcome>> deliver,
                      DeadLetters deadLetters, BooleanSupplier controlCaughtUp, Duration controlWait) {
        this.outcomes = outcomes;
        this.limits = limits;
        this.deliver = deliver;
        this.deadLetters = deadLetters;
        this.controlCaughtUp = controlCaughtUp;
        this.controlWait = controlWait;
    }

    @Override
    public void start(List<ConsumerRecord<String, byte[]>> records, ExactlyOnceLoop.Results<byte[]> results) {
        boolean caughtUp = awaitControl();
        Instant now = Instant.now();
        for (ConsumerRecord<String, byte[]> r : records) {
            Checked<DeliveryJob> checked = DeliveryJobCheck.check(r.value(), limits, now);
            if (!checked.isValid()) {
                results.finished(r, List.of(deadLetter(r, checked.reason(), now)));
                continue;
            }
            // the job holds the body; its record, kept until the job ends, need not hold it too
            start(ExactlyOnceLoop.withoutValue(r), checked.value(), caughtUp, results);
        }
    }

    private void start(ConsumerRecord<String, byte[]> r, DeliveryJob job, boolean caughtUp,
                       ExactlyOnceLoop.Results<byte[]> results) {
        Future<DeliveryOutcome> delivery;
        try {
            delivery = caughtUp ? deliver.apply(job)
                    : Future.succeededFuture(OutcomeBuilder.local(job, Status.DEFERRED,
                            "operator decisions (mail.control) not read yet: not delivered unchecked"));
        } catch (RuntimeException e) {
            delivery = Future.failedFuture(e);
        }
        delivery.onComplete(ar -> {
            DeliveryOutcome o = ar.succeeded() ? ar.result()
                    : OutcomeBuilder.local(job, Status.DEFERRED, "internal error: " + ar.cause());
            OutcomeRecords.Output out;
            try {
                out = outcomes.of(o);
            } catch (RuntimeException e) {
                LOG.errorf(e, "outcome of job %s not serialisable; deferred", job.jobId());
                out = outcomes.of(OutcomeBuilder.local(job, Status.DEFERRED, "internal error: outcome not serialisable"));
            }
            results.finished(r, out.records(), out.settled());
        });
    }

    private ProducerRecord<String, byte[]> deadLetter(ConsumerRecord<String, byte[]> r, String reason, Instant now) {
        if (deadLetters != null) {
            deadLetters.counted(r.topic(), r.partition(), r.offset(), reason);
        }
        return DeadLetterProducer.record(InternalDeadLetter.of(r.topic(), r.partition(), r.offset(), r.key(),
                DeadLetters.SERVICE, reason, r.value(), now));
    }

    /** Whether mail.control is read to its end; before the first jobs after a start, waits for it (bounded). */
    private boolean awaitControl() {
        if (controlRead || controlCaughtUp.getAsBoolean()) {
            controlRead = true;
            return true;
        }
        if (controlDeadline == -1) {
            controlDeadline = System.nanoTime() + controlWait.toNanos();
        }
        try {
            while (!controlCaughtUp.getAsBoolean() && System.nanoTime() < controlDeadline) {
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (controlCaughtUp.getAsBoolean()) {
            controlRead = true;
            return true;
        }
        LOG.warnf("mail.control not read to its end after %s: jobs are deferred without connecting until it is", controlWait);
        return false;
    }
}
