package warmwire.queue.outcome;

import io.quarkus.infinispan.client.Remote;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.infinispan.client.hotrod.RemoteCache;
import org.jboss.logging.Logger;
import warmwire.queue.QueueConfig;
import warmwire.queue.index.QueueIndex;

/**
 * NAME
 *   FinalEvents - which recipients already have their final event on mail.events.
 * DESCRIPTION
 *   Exactly one final event (delivered, bounced, expired) per recipient, across crashes: a job
 *   redelivered after a tls-session-service crash produces a second outcome for recipients
 *   already reported, and an outcome batch read again after a queue-service crash would publish
 *   its events again. Before publishing, {@link #known} asks the queue index (Infinispan) which
 *   of a batch's recipients already have a final event ({@code f:<id>:<recipient>}); their
 *   final events are dropped and counted. After the broker acknowledged a batch,
 *   {@link #mark} records its final events (asynchronously). Marking only after the
 *   acknowledgement means a crash can at worst repeat an event (the window between the ack and
 *   the write), never lose one. Infinispan unreachable: nothing is known, everything is
 *   published (best effort, counted), mail is never held back.
 */
@ApplicationScoped
public class FinalEvents {
    private static final Logger LOG = Logger.getLogger(FinalEvents.class);

    private final RemoteCache<String, String> cache;
    private final long lifespanSeconds;
    private final AtomicLong duplicatesDropped = new AtomicLong();
    private final AtomicLong unchecked = new AtomicLong();

    @Inject
    public FinalEvents(@Remote(QueueIndex.CACHE) RemoteCache<String, String> cache, QueueConfig config) {
        this.cache = cache;
        this.lifespanSeconds = config.indexLifespan().toSeconds();
    }

    public static String key(String id, String recipient) {
        return "f:" + id + ":" + recipient;
    }

    /** The keys among {@code keys} that already have a final event. */
    public Set<String> known(Collection<String> keys) {
        if (keys.isEmpty()) {
            return Set.of();
        }
        try {
            Map<String, String> got = cache.getAllAsync(Set.copyOf(keys)).get(2, TimeUnit.SECONDS);
            return got == null ? Set.of() : got.keySet();
        } catch (Exception e) {
            unchecked.addAndGet(keys.size());
            LOG.warnf("final-event check unavailable (%s): %d event(s) published unchecked", e.toString(), keys.size());
            return Set.of();
        }
    }

    /** Records final events the broker has acknowledged. */
    public void mark(Map<String, String> keysToSource) {
        if (keysToSource.isEmpty()) {
            return;
        }
        try {
            cache.putAllAsync(new HashMap<>(keysToSource), lifespanSeconds, TimeUnit.SECONDS).whenComplete((v, ex) -> {
                if (ex != null) {
                    LOG.warnf("final-event marks not written (%s): a crash now could repeat %d event(s)", ex.toString(),
                            keysToSource.size());
                }
            });
        } catch (RuntimeException e) {
            LOG.warnf("final-event marks not written (%s)", e.toString());
        }
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
        return unchecked.get();
    }
}
