package warmwire.session.agent;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import warmwire.contracts.marks.IndexMarks;

/**
 * NAME
 *   DoneJobs - a job that was already delivered is not delivered again.
 * DESCRIPTION
 *   A job id is {@code <message id>/<attempt>/<site key>}: the same job record comes twice only
 *   when a crash made an upstream service redo work (queue-service or delivery-service killed
 *   before committing its input offsets writes the same route, retry or job record again), or
 *   when this service's own offsets were not committed. Without a check the receiver would
 *   get the message twice.
 *   Two checks, in order: a job with the same id in flight in this instance (the copy arrives
 *   on the same partition, so usually here) waits for the first and is then dropped; a job
 *   whose id is marked {@code done:<job id>} in Infinispan (written after the broker acked the
 *   job's outcome, kept for {@code warmwire.session.done-job-lifespan}) is dropped at once. The
 *   checks and marks of the jobs of a few milliseconds go to Infinispan in one call each
 *   ({@link IndexMarks#knownSoon}, {@link IndexMarks#putSoon}). A
 *   dropped copy publishes no outcome (the first one did) and is counted ({@link #skipped}).
 *   Infinispan unreachable: the check is retried for {@code done-check-patience}, then the job
 *   is delivered (at-least-once wins over at-most-once; {@link IndexMarks} counts it as
 *   unchecked). No cache configured: only the in-flight check.
 *   Left: a crash of this service between the receiver's 250 and the broker's ack of the
 *   outcome still delivers that job again (Postfix has the same window).
 */
public final class DoneJobs {
    private final IndexMarks marks;
    private final Map<String, CompletableFuture<Void>> inFlight = new ConcurrentHashMap<>();
    private final AtomicLong skipped = new AtomicLong();

    /** {@code marks} null: only the in-flight check (unit tests, no Infinispan). */
    public DoneJobs(IndexMarks marks) {
        this.marks = marks;
    }

    /** A claim on one job: either {@link #duplicate} (drop it when {@link #ready} completes) or ours to deliver. */
    public final class Claim {
        private final String jobId;
        private final CompletableFuture<Void> finished;
        private final CompletionStage<Boolean> duplicate;

        private Claim(String jobId, CompletableFuture<Void> finished, CompletionStage<Boolean> duplicate) {
            this.jobId = jobId;
            this.finished = finished;
            this.duplicate = duplicate;
        }

        /** Completes with true when the job is a copy to drop, false when it is to be delivered. */
        public CompletionStage<Boolean> duplicate() {
            return duplicate;
        }

        /**
         * The job's outcome is acked by the broker: mark it done everywhere (held here until the
         * mark is written). The result completes when the hold ends.
         */
        public CompletionStage<Void> done() {
            if (marks == null) {
                release();
                return finished;
            }
            marks.putSoon(jobId, Instant.now().toString()).whenComplete((v, e) -> release());
            return finished;
        }

        /** The job ended without an acked outcome (it stays uncommitted and comes again). */
        public void release() {
            inFlight.remove(jobId, finished);
            finished.complete(null);
        }
    }

    /** Claims {@code jobId}: its duplicate() says whether it was already delivered or is being delivered here. */
    public Claim claim(String jobId) {
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> first = inFlight.putIfAbsent(jobId, mine);
        if (first != null) {
            skipped.incrementAndGet();
            // the copy ends when the first one does; it never delivers
            return new Claim(jobId, new CompletableFuture<>(), first.handle((v, e) -> true));
        }
        if (marks == null) {
            return new Claim(jobId, mine, CompletableFuture.completedFuture(false));
        }
        Claim c = new Claim(jobId, mine, marks.knownSoon(jobId).thenApply(known -> {
            if (known) {
                skipped.incrementAndGet();
                return true;
            }
            return false;
        }));
        c.duplicate().thenAccept(dup -> {
            if (dup) {
                c.release();
            }
        });
        return c;
    }

    /** Copies of jobs dropped because the job was delivered already (redeliveries avoided). */
    public long skipped() {
        return skipped.get();
    }

    /** Reads that could not reach Infinispan (those jobs were delivered unchecked). */
    public long unchecked() {
        return marks == null ? 0 : marks.unchecked();
    }
}
