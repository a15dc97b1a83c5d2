package warmwire.queue.outcome;

import io.quarkus.infinispan.client.Remote;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.infinispan.client.hotrod.RemoteCache;
import warmwire.queue.QueueConfig;
import warmwire.contracts.marks.FinalMarks;
import warmwire.contracts.marks.IndexMarks;
import warmwire.queue.index.QueueIndex;

/**
 * NAME
 *   FinalEvents - which recipients already have their final event on mail.events.
 * DESCRIPTION
 *   Exactly one final event of a delivery attempt (delivered, bounced, expired) per recipient,
 *   across crashes (rejected comes from intake and deleted from the admin API, not from here). Every
 *   hop commits its output with its input in one Kafka transaction, so a first attempt's outcome
 *   exists once; a retried attempt can come twice (the retry scheduler forwards at least once),
 *   so the final events of retried attempts are checked (OutcomeReporter#finalKeys). Before
 *   publishing, {@link #claim} asks the queue index (Infinispan, through
 *   {@link IndexMarks}) which of a batch's recipients already have a final event
 *   ({@code f:<id>:<recipient>}); their final events are dropped and counted. After the broker
 *   acknowledged a batch, {@link #mark} writes its final events (asynchronously) as those
 *   entries, the event's JSON as the value: the same entry is the recipient's final state in
 *   the queue index ({@link QueueIndex}), so one write serves both. Marking only after the
 *   acknowledgement means a crash can at worst repeat an event (the window between the ack and
 *   the write), never lose one. Infinispan unreachable: nothing is known, everything is
 *   published (best effort, counted), mail is never held back.
 *   Within this instance the check also covers batches still in flight: {@link #claim} takes
 *   a batch's final-event names before the Infinispan check, atomically for the whole batch;
 *   a name another batch holds (the same outcome read again after a rebalance while the first
 *   reading still waits for the broker, e.g. across a broker restart) waits for that batch:
 *   acknowledged, the name counts as known; failed, this batch publishes it. A batch waits
 *   only for batches that claimed before it, so waits never form a cycle.
 */
@ApplicationScoped
public class FinalEvents {
    private final IndexMarks marks;
    private final AtomicLong duplicatesDropped = new AtomicLong();

    @Inject
    public FinalEvents(@Remote(QueueIndex.CACHE) RemoteCache<String, String> cache, QueueConfig config) {
        this.marks = FinalMarks.in(cache, config.indexLifespan(), config.marksPatience());
    }

    /** How long a batch waits for another batch holding the same final-event names (beyond the producer's delivery timeout). */
    private static final long WAIT_FOR_OTHERS_SECONDS = 180;

    private final Map<String, CompletableFuture<Boolean>> inFlight = new HashMap<>();

    /** A batch's hold on its final-event names; {@link #finish} when the broker answered. */
    public final class Claim {
        private final CompletableFuture<Boolean> done = new CompletableFuture<>();
        private final List<String> mine = new ArrayList<>();
        private final Set<String> known = new HashSet<>();

        /** Names that already have a final event: published by another batch, or marked in Infinispan. */
        public Set<String> known() {
            return known;
        }

        /** The broker acknowledged this batch's events ({@code true}) or the batch failed. */
        public void finish(boolean acknowledged) {
            synchronized (inFlight) {
                for (String k : mine) {
                    inFlight.remove(k, done);
                }
            }
            done.complete(acknowledged);
        }
    }

    /** Takes {@code keys} for one batch and finds those that already have a final event. */
    public Claim claim(Collection<String> keys) {
        Claim c = new Claim();
        Map<String, CompletableFuture<Boolean>> others = new HashMap<>();
        synchronized (inFlight) {
            for (String k : keys) {
                CompletableFuture<Boolean> prev = inFlight.putIfAbsent(k, c.done);
                if (prev == null) {
                    c.mine.add(k);
                } else if (prev != c.done) {
                    others.put(k, prev);
                }
            }
        }
        for (Map.Entry<String, CompletableFuture<Boolean>> o : others.entrySet()) {
            try {
                if (o.getValue().get(WAIT_FOR_OTHERS_SECONDS, TimeUnit.SECONDS)) {
                    c.known.add(o.getKey());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (Exception e) {
                // the other batch failed or hangs: this one publishes the event (at least once)
            }
        }
        c.known.addAll(marks.known(c.mine).keySet());
        return c;
    }

    /** Records final events the broker has acknowledged (name -> the event's JSON); completes when written (or failed). */
    public java.util.concurrent.CompletionStage<Void> mark(Map<String, String> keysToEvent) {
        return marks.put(keysToEvent);
    }

    void dropped(int n) {
        duplicatesDropped.addAndGet(n);
    }

    /** Duplicate final events dropped since start (metrics). */
    public long duplicatesDropped() {
        return duplicatesDropped.get();
    }

    /** Final events published without the check (Infinispan unreachable). */
    public long unchecked() {
        return marks.unchecked();
    }
}
