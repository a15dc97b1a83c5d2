package warmwire.contracts.marks;

import java.lang.System.Logger.Level;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.ArrayList;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.infinispan.client.hotrod.RemoteCache;

/**
 * NAME
 *   IndexMarks - small best-effort facts in an Infinispan cache, under one key prefix.
 * DESCRIPTION
 *   The shared mechanics of the services' dedupe marks: intake's duplicate-id claims
 *   (delivery-service, {@code id:}) and the final-event marks of both publishers of events
 *   ({@code f:}, the final event, {@link FinalMarks}),
 *   tls-session-service's finished jobs ({@code done:}), and the queue index's envelopes
 *   ({@code m:}, {@link Envelopes}, written only). {@link #knownAsync} reads the marks
 *   of many names in one call, bounded by 2 s; {@link #known} waits for it (worker threads
 *   only). {@link #put} writes many
 *   asynchronously with the marks' lifespan. Infinispan unreachable: nothing is known (the
 *   caller goes on; {@link #unchecked} counts the names), writes are logged and lost. Never
 *   blocks an event loop, never fails mail.
 *   In contracts because the key prefixes are contracts between instances, and the mechanics
 *   are the same for every service; the Hot Rod client is the services' own (provided scope).
 */
public final class IndexMarks {
    private static final System.Logger LOG = System.getLogger(IndexMarks.class.getName());
    private static final long READ_TIMEOUT_MS = 2000;
    private static final long RETRY_EVERY_MS = 1000;
    private static final ScheduledExecutorService RETRIES = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "warmwire-marks-retry");
        t.setDaemon(true);
        return t;
    });

    private final RemoteCache<String, String> cache;
    private final String prefix;
    private final String what;
    private final long lifespanSeconds;
    private final long patienceMs;
    private final AtomicLong unchecked = new AtomicLong();

    /** Marks that give up at once when Infinispan does not answer (no retries). */
    public IndexMarks(RemoteCache<String, String> cache, String prefix, String what, long lifespanSeconds) {
        this(cache, prefix, what, lifespanSeconds, Duration.ZERO);
    }

    /**
     * @param patience how long reads and writes are retried (every second) while Infinispan does
     *                 not answer, so a restart of Infinispan Server pauses the callers instead of
     *                 letting duplicates through; after it, reads go on unchecked and writes are lost
     */
    public IndexMarks(RemoteCache<String, String> cache, String prefix, String what, long lifespanSeconds,
                      Duration patience) {
        this.cache = cache;
        this.prefix = prefix;
        this.what = what;
        this.lifespanSeconds = lifespanSeconds;
        this.patienceMs = patience.toMillis();
    }

    /** Runs {@code call} until it succeeds or {@code patienceMs} has passed since {@code start}. */
    private <T> CompletableFuture<T> withRetries(Supplier<CompletableFuture<T>> call, long start) {
        CompletableFuture<T> once;
        try {
            once = call.get().orTimeout(READ_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            once = CompletableFuture.failedFuture(e);
        }
        return once.handle((v, ex) -> {
            if (ex == null) {
                return CompletableFuture.completedFuture(v);
            }
            if (System.currentTimeMillis() - start + RETRY_EVERY_MS > patienceMs) {
                return CompletableFuture.<T>failedFuture(ex);
            }
            CompletableFuture<T> next = new CompletableFuture<>();
            RETRIES.schedule(() -> withRetries(call, start).whenComplete((x, e) -> {
                if (e != null) {
                    next.completeExceptionally(e);
                } else {
                    next.complete(x);
                }
            }), RETRY_EVERY_MS, TimeUnit.MILLISECONDS);
            return next;
        }).thenCompose(f -> f);
    }

    /** name -> value of the names among {@code names} that are marked; waits (2 s a try, retried for the patience). */
    public Map<String, String> known(Collection<String> names) {
        return knownAsync(names).toCompletableFuture().join();
    }

    /** name -> value of the names among {@code names} that are marked; never completes exceptionally. */
    public CompletionStage<Map<String, String>> knownAsync(Collection<String> names) {
        if (names.isEmpty()) {
            return CompletableFuture.completedFuture(Map.of());
        }
        Set<String> keys = new HashSet<>();
        names.forEach(n -> keys.add(prefix + n));
        int n = names.size();
        return withRetries(() -> cache.getAllAsync(keys), System.currentTimeMillis()).handle((got, ex) -> {
            if (ex != null) {
                unchecked.addAndGet(n);
                LOG.log(Level.WARNING, "{0} check unavailable ({1}): {2} item(s) go on unchecked", what, ex.toString(), n);
                return Map.of();
            }
            Map<String, String> out = new HashMap<>();
            if (got != null) {
                got.forEach((k, v) -> out.put(k.substring(prefix.length()), v));
            }
            return out;
        });
    }

    /** Marks the names (name -> value), asynchronously; completes (never exceptionally) when the write ended. */
    public CompletionStage<Void> put(Map<String, String> marks) {
        if (marks.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        Map<String, String> entries = new HashMap<>();
        marks.forEach((n, v) -> entries.put(prefix + n, v));
        return withRetries(() -> cache.putAllAsync(entries, lifespanSeconds, TimeUnit.SECONDS), System.currentTimeMillis())
                .handle((v, ex) -> {
                    if (ex != null) {
                        LOG.log(Level.WARNING, "{0} marks not written ({1}): {2} item(s)", what, ex.toString(), entries.size());
                    }
                    return null;
                });
    }

    private static final long GATHER_MS = 2;
    private final Object gate = new Object();
    private Map<String, List<CompletableFuture<Boolean>>> soonReads = new HashMap<>();
    private Map<String, String> soonWrites = new HashMap<>();
    private List<CompletableFuture<Void>> soonWriters = new ArrayList<>();
    private boolean readsScheduled;
    private boolean writesScheduled;

    /**
     * Whether {@code name} is marked, for callers that ask one name at a time at a high rate
     * (a job per record): the names asked within {@value #GATHER_MS} ms go to Infinispan in one
     * read. Never completes exceptionally (unreachable = not marked, counted as unchecked).
     */
    public CompletionStage<Boolean> knownSoon(String name) {
        CompletableFuture<Boolean> f = new CompletableFuture<>();
        boolean schedule;
        synchronized (gate) {
            soonReads.computeIfAbsent(name, k -> new ArrayList<>(1)).add(f);
            schedule = !readsScheduled;
            readsScheduled = true;
        }
        if (schedule) {
            RETRIES.schedule(this::flushReads, GATHER_MS, TimeUnit.MILLISECONDS);
        }
        return f;
    }

    /** Marks {@code name}; the marks made within {@value #GATHER_MS} ms go to Infinispan in one write. */
    public CompletionStage<Void> putSoon(String name, String value) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        boolean schedule;
        synchronized (gate) {
            soonWrites.put(name, value);
            soonWriters.add(f);
            schedule = !writesScheduled;
            writesScheduled = true;
        }
        if (schedule) {
            RETRIES.schedule(this::flushWrites, GATHER_MS, TimeUnit.MILLISECONDS);
        }
        return f;
    }

    private void flushReads() {
        Map<String, List<CompletableFuture<Boolean>>> batch;
        synchronized (gate) {
            batch = soonReads;
            soonReads = new HashMap<>();
            readsScheduled = false;
        }
        knownAsync(batch.keySet()).whenComplete((known, e) -> batch.forEach((n, waiting) -> {
            boolean marked = known != null && known.containsKey(n);
            waiting.forEach(w -> w.complete(marked));
        }));
    }

    private void flushWrites() {
        Map<String, String> batch;
        List<CompletableFuture<Void>> waiting;
        synchronized (gate) {
            batch = soonWrites;
            waiting = soonWriters;
            soonWrites = new HashMap<>();
            soonWriters = new ArrayList<>();
            writesScheduled = false;
        }
        put(batch).whenComplete((v, e) -> waiting.forEach(w -> w.complete(null)));
    }

    /** Names that went on unchecked because the index could not be read. */
    public long unchecked() {
        return unchecked.get();
    }
}
