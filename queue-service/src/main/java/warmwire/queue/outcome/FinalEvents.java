package warmwire.queue.outcome;

import io.quarkus.infinispan.client.Remote;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.infinispan.client.hotrod.RemoteCache;
import warmwire.queue.QueueConfig;
import warmwire.contracts.marks.IndexMarks;
import warmwire.queue.index.QueueIndex;

/**
 * NAME
 *   FinalEvents - which recipients already have their final event on mail.events.
 * DESCRIPTION
 *   Exactly one final event (delivered, bounced, expired) per recipient, across crashes: a job
 *   redelivered after a tls-session-service crash produces a second outcome for recipients
 *   already reported, and an outcome batch read again after a queue-service crash would publish
 *   its events again. Before publishing, {@link #known} asks the queue index (Infinispan, through
 *   {@link IndexMarks}) which of a batch's recipients already have a final event
 *   ({@code f:<id>:<recipient>}); their
 *   final events are dropped and counted. After the broker acknowledged a batch,
 *   {@link #mark} records its final events (asynchronously). Marking only after the
 *   acknowledgement means a crash can at worst repeat an event (the window between the ack and
 *   the write), never lose one. Infinispan unreachable: nothing is known, everything is
 *   published (best effort, counted), mail is never held back.
 */
@ApplicationScoped
public class FinalEvents {
    private final IndexMarks marks;
    private final AtomicLong duplicatesDropped = new AtomicLong();

    @Inject
    public FinalEvents(@Remote(QueueIndex.CACHE) RemoteCache<String, String> cache, QueueConfig config) {
        this.marks = new IndexMarks(cache, "f:", "final-event", config.indexLifespan().toSeconds());
    }

    /** The name of a recipient's final event: {@code <id>:<recipient>}. */
    public static String key(String id, String recipient) {
        return id + ":" + recipient;
    }

    /** The names among {@code keys} that already have a final event. */
    public Set<String> known(Collection<String> keys) {
        return marks.known(keys).keySet();
    }

    /** Records final events the broker has acknowledged (name -> source). */
    public void mark(Map<String, String> keysToSource) {
        marks.put(keysToSource);
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
