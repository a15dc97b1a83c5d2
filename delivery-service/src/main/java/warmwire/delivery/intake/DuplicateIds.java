package warmwire.delivery.intake;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.infinispan.client.hotrod.RemoteCache;
import org.infinispan.client.hotrod.RemoteCacheManager;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import warmwire.contracts.marks.Envelopes;
import warmwire.contracts.marks.IndexMarks;
import warmwire.delivery.DeliveryConfig;

/**
 * NAME
 *   DuplicateIds - which client ids intake has accepted already, and from which record.
 * DESCRIPTION
 *   A submission's {@code id} is the client's promise of uniqueness (DESIGN.md): a second record
 *   with the same id is a re-submission and is not delivered again. Intake claims each accepted
 *   client id in the cache {@value #CACHE}: {@code id:<id>} -> the {@code <topic>/<partition>/<offset>}
 *   of the record that carried it, written through {@link IndexMarks} for the index lifespan, to
 *   Infinispan Server's file store, so claims outlive a restart of the server (the queue index
 *   itself is memory only, {@link Envelopes}). A record whose id is claimed by another record is
 *   a duplicate; the same record read again after a crash is not (its own claim). Ids intake
 *   assigns are never claimed: they are unique by construction. Best effort like the index:
 *   Infinispan unreachable means nothing is known, every submission is accepted and the
 *   unchecked ones are counted. Ids being accepted by this instance are also held in memory
 *   until their claims are written ({@link #hold}), so batches with the same id accept it once.
 */
@ApplicationScoped
public class DuplicateIds {
    /** Client ids' claims, kept across restarts of Infinispan Server (file store). */
    public static final String CACHE = "warmwire-queue-ids";
    /** The key prefix of a claim. */
    static final String CLAIM = "id:";
    /** The source of a claim whose entry names none (written by an older version, or damaged). */
    static final String UNKNOWN_SOURCE = "(a record its claim does not name)";

    private final IndexMarks marks;
    private final AtomicLong duplicates = new AtomicLong();

    /** The cache is taken from the Hot Rod client when intake first needs it (as {@link Intake}'s). */
    @Inject
    public DuplicateIds(RemoteCacheManager infinispan, DeliveryConfig config, MeterRegistry registry) {
        this(infinispan.<String, String>getCache(CACHE), config.index().lifespan(), config.index().marksPatience());
        FunctionCounter.builder("warmwire.dlq", this, DuplicateIds::duplicates).tag("reason", "duplicate")
                .description("re-submissions of an accepted client id, written to mail.submit.dlq").register(registry);
        FunctionCounter.builder("warmwire.duplicates", this, DuplicateIds::duplicates).tag("where", "intake").register(registry);
        FunctionCounter.builder("warmwire.unchecked", this, DuplicateIds::unchecked).tag("check", "duplicate-id")
                .description("submissions accepted without the duplicate-id check (Infinispan unreachable)").register(registry);
    }

    /** Claims kept for {@code lifespan}; reads and writes retried for {@code patience} ({@link IndexMarks}). */
    public DuplicateIds(RemoteCache<String, String> cache, Duration lifespan, Duration patience) {
        this.marks = new IndexMarks(cache, CLAIM, "duplicate-id", lifespan.toSeconds(), patience);
    }

    /** id -> source record of the ids among {@code ids} that were claimed before. */
    public Map<String, String> known(Collection<String> ids) {
        Map<String, String> out = new java.util.HashMap<>();
        marks.known(ids).forEach((id, source) -> out.put(id, source == null || source.isBlank() ? UNKNOWN_SOURCE : source));
        return out;
    }

    /** Ids this instance is accepting now (id -> source record), until their claims are written. */
    private final java.util.concurrent.ConcurrentHashMap<String, String> held = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Holds the ids of a batch in this instance before the claims are read, so two batches
     * judged at once cannot both accept the same id (each would miss the other's claim, not yet
     * written). Returns id -> source for the ids another record holds already; the caller treats
     * them like ids claimed before. {@link #claim} releases them once written.
     */
    public Map<String, String> hold(java.util.List<Map.Entry<String, String>> idAndSource) {
        Map<String, String> others = new java.util.HashMap<>();
        for (Map.Entry<String, String> e : idAndSource) {
            String prior = held.putIfAbsent(e.getKey(), e.getValue());
            if (prior != null && !prior.equals(e.getValue())) {
                others.putIfAbsent(e.getKey(), prior);
            }
        }
        return others;
    }

    /**
     * Claims accepted ids (id -> the source record) asynchronously; releases {@code holds} when
     * written.
     */
    public void claim(Map<String, String> idToSource, java.util.List<Map.Entry<String, String>> holds) {
        marks.put(idToSource).whenComplete((v, e) -> holds.forEach(h -> held.remove(h.getKey(), h.getValue())));
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
        return marks.unchecked();
    }
}
