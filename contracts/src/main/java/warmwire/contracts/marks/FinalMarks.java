package warmwire.contracts.marks;

import java.time.Duration;
import org.infinispan.client.hotrod.RemoteCache;

/**
 * NAME
 *   FinalMarks - the queue index's final states: {@code f:<id>:<recipient>} -> the final event.
 * DESCRIPTION
 *   Every publisher of final events on mail.events writes them here once its Kafka transaction
 *   committed: queue-service for the outcomes it reads, tls-session-service for the first
 *   attempts it delivered to every recipient. One entry is the recipient's final state in the
 *   queue index (the admin API's per-message view) and the mark that lets queue-service drop a
 *   repeated final event of a retried attempt. In contracts because the cache, the key and the
 *   value are the contract between the two writers and the one reader.
 */
public final class FinalMarks {
    /** The queue index (memory only, bounded): message, event and final entries. */
    public static final String CACHE = "warmwire-queue-state";
    /** The key prefix of a final entry. */
    public static final String PREFIX = "f:";

    private FinalMarks() {
    }

    /** The name of a recipient's final event (the key without its prefix): {@code <id>:<recipient>}. */
    public static String name(String id, String recipient) {
        return id + ":" + recipient;
    }

    /** The marks in {@code cache}, kept for {@code lifespan}; see {@link IndexMarks} for {@code patience}. */
    public static IndexMarks in(RemoteCache<String, String> cache, Duration lifespan, Duration patience) {
        return new IndexMarks(cache, PREFIX, "final-event", lifespan.toSeconds(), patience);
    }
}
