package warmwire.delivery.mtasts;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 *   A fetched policy expires max_age after it was fetched. The cache holds at most
 *   {@code maxDomains} domains (names come from recipients: bounded); beyond, the entry that
 *   expires first goes.
 */
public final class StsPolicies {
    /** How a policy is fetched for a domain (StsFetcher in production). */
    public interface Fetch {
        StsPolicy fetch(String domain) throws InterruptedException;
    }

    /** A policy, the id it was fetched under, and when it expires. */
    public record Cached(String id, StsPolicy policy, Instant expires) {
    }

    private final Fetch fetch;
    private final Clock clock;
    private final int maxDomains;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    public StsPolicies(Fetch fetch, Clock clock, int maxDomains) {
        this.fetch = fetch;
        this.clock = clock;
        this.maxDomains = maxDomains;
    }

    /** The policy in force for {@code domain}, given its TXT strings (null: the lookup failed). */
    public Optional<StsPolicy> policy(String domain, List<String> txt) throws InterruptedException {
        Instant now = clock.instant();
        Cached c = cache.get(domain);
        if (c != null && !c.expires().isAfter(now)) {
            cache.remove(domain, c);
            c = null;
        }
        Optional<String> id = txt == null ? Optional.empty() : StsRecord.id(txt);
        if (id.isEmpty()) {
            return c == null ? Optional.empty() : Optional.of(c.policy());
        }
        if (c != null && c.id().equals(id.get())) {
            return Optional.of(c.policy());
        }
        StsPolicy p;
        try {
            p = fetch.fetch(domain);
        } catch (StsPolicyException e) {
            return c == null ? Optional.empty() : Optional.of(c.policy());
        }
        store(domain, new Cached(id.get(), p, now.plus(p.maxAge())));
        return Optional.of(p);
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
