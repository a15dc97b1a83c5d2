package warmwire.queue.index;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.infinispan.client.hotrod.RemoteCache;
import org.jboss.logging.Logger;

/**
 * NAME
 *   IndexMarks - small best-effort facts in the queue index, under one key prefix.
 * DESCRIPTION
 *   The shared mechanics of duplicate-id claims ({@code id:}) and final-event marks ({@code f:}):
 *   {@link #known} reads the marks of many names in one call (bounded by 2 s), {@link #put}
 *   writes many asynchronously with the index lifespan. Infinispan unreachable: nothing is
 *   known (the caller goes on; {@link #unchecked} counts the names), writes are logged and lost.
 *   Never blocks or fails mail.
 */
public final class IndexMarks {
    private static final Logger LOG = Logger.getLogger(IndexMarks.class);

    private final RemoteCache<String, String> cache;
    private final String prefix;
    private final String what;
    private final long lifespanSeconds;
    private final AtomicLong unchecked = new AtomicLong();

    public IndexMarks(RemoteCache<String, String> cache, String prefix, String what, long lifespanSeconds) {
        this.cache = cache;
        this.prefix = prefix;
        this.what = what;
        this.lifespanSeconds = lifespanSeconds;
    }

    /** name -> value of the names among {@code names} that are marked. */
    public Map<String, String> known(Collection<String> names) {
        if (names.isEmpty()) {
            return Map.of();
        }
        java.util.Set<String> keys = new java.util.HashSet<>();
        names.forEach(n -> keys.add(prefix + n));
        try {
            Map<String, String> got = cache.getAllAsync(keys).get(2, TimeUnit.SECONDS);
            Map<String, String> out = new HashMap<>();
            if (got != null) {
                got.forEach((k, v) -> out.put(k.substring(prefix.length()), v));
            }
            return out;
        } catch (Exception e) {
            unchecked.addAndGet(names.size());
            LOG.warnf("%s check unavailable (%s): %d item(s) go on unchecked", what, e.toString(), names.size());
            return Map.of();
        }
    }

    /** Marks the names (name -> value), asynchronously. */
    public void put(Map<String, String> marks) {
        if (marks.isEmpty()) {
            return;
        }
        Map<String, String> entries = new HashMap<>();
        marks.forEach((n, v) -> entries.put(prefix + n, v));
        try {
            cache.putAllAsync(entries, lifespanSeconds, TimeUnit.SECONDS).whenComplete((v, ex) -> {
                if (ex != null) {
                    LOG.warnf("%s marks not written (%s): %d item(s)", what, ex.toString(), entries.size());
                }
            });
        } catch (RuntimeException e) {
            LOG.warnf("%s marks not written (%s)", what, e.toString());
        }
    }

    /** Names that went on unchecked because the index could not be read. */
    public long unchecked() {
        return unchecked.get();
    }
}
