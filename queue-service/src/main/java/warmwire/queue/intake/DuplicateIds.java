package warmwire.queue.intake;

import io.quarkus.infinispan.client.Remote;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.infinispan.client.hotrod.RemoteCache;
import org.jboss.logging.Logger;
import warmwire.queue.QueueConfig;
import warmwire.queue.index.QueueIndex;

/**
 * NAME
 *   DuplicateIds - which client ids intake has accepted already, and from which record.
 * DESCRIPTION
 *   A submission's {@code id} is the client's promise of uniqueness (DESIGN.md): a second record
 *   with the same id is a re-submission and is not delivered again. Intake claims each accepted
 *   client id in the queue index as {@code id:<id>} = {@code <topic>/<partition>/<offset>} of the
 *   record that carried it, for the index lifespan. A record whose id is claimed by another
 *   record is a duplicate; the same record read again after a crash is not (its own claim).
 *   Best effort like the rest of the index: Infinispan unreachable means nothing is known,
 *   every submission is accepted and the unchecked ones are counted.
 */
@ApplicationScoped
public class DuplicateIds {
    private static final Logger LOG = Logger.getLogger(DuplicateIds.class);

    private final RemoteCache<String, String> cache;
    private final long lifespanSeconds;
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong unchecked = new AtomicLong();

    @Inject
    public DuplicateIds(@Remote(QueueIndex.CACHE) RemoteCache<String, String> cache, QueueConfig config) {
        this.cache = cache;
        this.lifespanSeconds = config.indexLifespan().toSeconds();
    }

    /** id -> source record of the ids among {@code ids} that were claimed before. */
    public Map<String, String> known(Collection<String> ids) {
        if (ids.isEmpty()) {
            return Map.of();
        }
        Set<String> keys = ids.stream().map(i -> "id:" + i).collect(Collectors.toSet());
        try {
            Map<String, String> got = cache.getAllAsync(keys).get(2, TimeUnit.SECONDS);
            Map<String, String> out = new HashMap<>();
            if (got != null) {
                got.forEach((k, v) -> out.put(k.substring(3), v));
            }
            return out;
        } catch (Exception e) {
            unchecked.addAndGet(ids.size());
            LOG.warnf("duplicate-id check unavailable (%s): %d submission(s) accepted unchecked", e.toString(), ids.size());
            return Map.of();
        }
    }

    /** Claims accepted ids (id -> source record), asynchronously. */
    public void claim(Map<String, String> idToSource) {
        if (idToSource.isEmpty()) {
            return;
        }
        Map<String, String> entries = new HashMap<>();
        idToSource.forEach((id, src) -> entries.put("id:" + id, src));
        try {
            cache.putAllAsync(entries, lifespanSeconds, TimeUnit.SECONDS).whenComplete((v, ex) -> {
                if (ex != null) {
                    LOG.warnf("duplicate-id claims not written (%s)", ex.toString());
                }
            });
        } catch (RuntimeException e) {
            LOG.warnf("duplicate-id claims not written (%s)", e.toString());
        }
    }

    void duplicate() {
        duplicates.incrementAndGet();
    }

    /** Re-submissions refused since start (metrics). */
    public long duplicates() {
        return duplicates.get();
    }

    /** Submissions accepted without the check (Infinispan unreachable). */
    public long unchecked() {
        return unchecked.get();
    }
}
