package warmwire.delivery.mtasts;

import io.smallrye.mutiny.Uni;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * NAME
 *   StsPolicies - the MTA-STS policy in force for a mail domain, cached per max_age (RFC 8461 5.1).
 * DESCRIPTION
 *   {@link #policy} takes the domain's {@code _mta-sts} TXT strings (as the caller found them;
 *   null when the lookup failed) and answers the policy to apply, if any:
 *     - a cached policy with the id the record names, not expired: that policy, no fetch;
 *     - a record with a new id, or no cached policy: fetched now; a fetch that fails leaves the
 *       cached policy (if not expired) in force, so a policy host that is down or attacked
 *       cannot downgrade a domain that published enforce;
 *     - no record, or a failed lookup: the cached policy until it expires (RFC 8461 5.1: an
 *       attacker who strips the TXT record does not remove a policy already seen);
 *     - else no policy.
 *   A fetched policy expires max_age after it was fetched. One fetch per domain and id is in
 *   flight at a time (everyone routing to the domain meanwhile waits for it), and after a
 *   failed fetch the same id is not fetched again for {@code failureHold}, so a policy host
 *   that is down is not asked once per message. The cache holds at most {@code maxDomains}
 *   domains (names come from recipients: bounded); beyond, the entry that expires first goes.
 */
public final class StsPolicies {
    /** How a policy is fetched for a domain (StsFetcher in production); fails with StsPolicyException. */
    public interface Fetch {
        Uni<StsPolicy> fetch(String domain);
    }

    /** A policy, the id it was fetched under, and when it expires. */
    public record Cached(String id, StsPolicy policy, Instant expires) {
    }

    /**
     * The policy in force, if any, and the failure of the fetch this call made or waited for
     * when it left no policy in force (for the TLS report), else null.
     */
    public record Found(Optional<StsPolicy> policy, StsPolicyException failure) {
        static final Found NONE = new Found(Optional.empty(), null);

        static Found of(Optional<StsPolicy> p) {
            return p.isEmpty() ? NONE : new Found(p, null);
        }
    }

    private final Fetch fetch;
    private final Clock clock;
    private final int maxDomains;
    private final Duration failureHold;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    /** Fetches in flight, by {@code domain id}. */
    private final Map<String, CompletableFuture<Found>> inFlight = new ConcurrentHashMap<>();
    /** Until when a failed {@code domain id} is not fetched again. */
    private final Map<String, Instant> failed = new ConcurrentHashMap<>();

    public StsPolicies(Fetch fetch, Clock clock, int maxDomains, Duration failureHold) {
        this.fetch = fetch;
        this.clock = clock;
        this.maxDomains = maxDomains;
        this.failureHold = failureHold;
    }

    /** The policy in force for {@code domain}, given its TXT strings (null: the lookup failed). Never fails. */
    public Uni<Found> policy(String domain, List<String> txt) {
        Instant now = clock.instant();
        Cached c = cache.get(domain);
        if (c != null && !c.expires().isAfter(now)) {
            cache.remove(domain, c);
            c = null;
        }
        Optional<StsPolicy> current = c == null ? Optional.empty() : Optional.of(c.policy());
        Optional<String> id = txt == null ? Optional.empty() : StsRecord.id(txt);
        if (id.isEmpty() || (c != null && c.id().equals(id.get()))) {
            return Uni.createFrom().item(Found.of(current));
        }
        String key = domain + " " + id.get();
        Instant hold = failed.get(key);
        if (hold != null) {
            if (hold.isAfter(now)) {
                return Uni.createFrom().item(Found.of(current));
            }
            failed.remove(key, hold);
        }
        return Uni.createFrom().completionStage(() -> {
            CompletableFuture<Found> mine = new CompletableFuture<>();
            CompletableFuture<Found> running = inFlight.putIfAbsent(key, mine);
            if (running != null) {
                return running;
            }
            start(domain, id.get(), key, mine);
            return mine;
        });
    }

    private void start(String domain, String id, String key, CompletableFuture<Found> result) {
        fetch.fetch(domain).subscribe().with(p -> {
            store(domain, new Cached(id, p, clock.instant().plus(p.maxAge())));
            inFlight.remove(key, result);
            result.complete(Found.of(Optional.of(p)));
        }, t -> {
            failed.put(key, clock.instant().plus(failureHold));
            if (failed.size() > maxDomains) {
                failed.clear(); // names come from recipients: bounded; a cleared hold costs one fetch
            }
            inFlight.remove(key, result);
            Cached c = cache.get(domain);
            if (c != null && c.expires().isAfter(clock.instant())) {
                result.complete(Found.of(Optional.of(c.policy())));
            } else {
                result.complete(new Found(Optional.empty(), t instanceof StsPolicyException e ? e
                        : new StsPolicyException(StsPolicyException.FETCH_ERROR, String.valueOf(t))));
            }
        });
    }

    /** The cached entry of {@code domain}, if any (tests, the admin view). */
    public Optional<Cached> cached(String domain) {
        return Optional.ofNullable(cache.get(domain));
    }

    private void store(String domain, Cached c) {
        if (!cache.containsKey(domain) && cache.size() >= maxDomains) {
            cache.entrySet().stream().min(Map.Entry.comparingByValue((a, b) -> a.expires().compareTo(b.expires())))
                    .ifPresent(e -> cache.remove(e.getKey(), e.getValue()));
        }
        cache.put(domain, c);
    }
}
