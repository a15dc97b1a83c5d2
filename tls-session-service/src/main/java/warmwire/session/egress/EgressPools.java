package warmwire.session.egress;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import warmwire.contracts.route.Site;
import warmwire.session.conn.Source;

/**
 * NAME
 *   EgressPools - which source address a job is sent from.
 * DESCRIPTION
 *   Named sources (an address and its HELO name) make pools; each member has a weight. A job's
 *   pool is its site's (warmwire.egress.site-pools, by site key or one of its MX hosts), else its
 *   tenant's (tenant-pools), else the default pool; without one, the system chooses the address
 *   as before pools existed. Within a pool the sources take turns by smooth weighted round robin
 *   (nginx's): weights 3 and 1 send exactly 3 jobs from the first for each one from the second,
 *   interleaved (a, a, b, a, ...), so the ratio holds over any stretch of jobs, not just on average.
 *   A configuration that names a source or pool that does not exist, or a weight below 1, stops
 *   the start with what is wrong.
 */
public final class EgressPools {
    private static final EgressPools NONE = new EgressPools(Map.of(), Map.of(), null, Map.of(), Map.of());

    private final Map<String, Source> sources;
    private final Map<String, Pool> pools;
    private final Pool defaultPool;
    private final Map<String, Pool> byTenant;
    private final Map<String, Pool> bySite;

    private EgressPools(Map<String, Source> sources, Map<String, Pool> pools, Pool defaultPool, Map<String, Pool> byTenant,
                        Map<String, Pool> bySite) {
        this.sources = sources;
        this.pools = pools;
        this.defaultPool = defaultPool;
        this.byTenant = byTenant;
        this.bySite = bySite;
    }

    /** No pools: every job from the address the system chooses. */
    public static EgressPools none() {
        return NONE;
    }

    /**
     * @param sources     the sources by name
     * @param pools       each pool's members, {@code name} or {@code name:weight} (weight 1 by default)
     * @param defaultPool the pool of jobs no other rule places (null: the system's address)
     * @param tenantPools pool by tenant
     * @param sitePools   pool by site key or MX host name
     */
    public static EgressPools of(Collection<Source> sources, Map<String, List<String>> pools, String defaultPool,
                                 Map<String, String> tenantPools, Map<String, String> sitePools) {
        Map<String, Source> byName = new LinkedHashMap<>();
        for (Source s : sources) {
            byName.put(s.name(), s);
        }
        Map<String, Pool> made = new LinkedHashMap<>();
        pools.forEach((name, members) -> made.put(name, pool(name, members, byName)));
        Pool dflt = defaultPool == null || defaultPool.isBlank() ? null : named(made, defaultPool, "default-pool");
        Map<String, Pool> tenants = new LinkedHashMap<>();
        tenantPools.forEach((t, p) -> tenants.put(t, named(made, p, "tenant-pools." + t)));
        Map<String, Pool> sites = new LinkedHashMap<>();
        sitePools.forEach((s, p) -> sites.put(s.toLowerCase(java.util.Locale.ROOT), named(made, p, "site-pools." + s)));
        return new EgressPools(Map.copyOf(byName), made, dflt, tenants, sites);
    }

    private static Pool named(Map<String, Pool> pools, String name, String where) {
        Pool p = pools.get(name);
        if (p == null) {
            throw new IllegalArgumentException("warmwire.egress." + where + ": no pool " + name + " (pools: " + pools.keySet() + ")");
        }
        return p;
    }

    private static Pool pool(String name, List<String> members, Map<String, Source> sources) {
        List<Source> in = new ArrayList<>();
        List<Integer> weights = new ArrayList<>();
        for (String m : members == null ? List.<String>of() : members) {
            String t = m.strip();
            if (t.isEmpty()) {
                continue;
            }
            int colon = t.lastIndexOf(':');
            String sourceName = colon < 0 ? t : t.substring(0, colon);
            int weight;
            try {
                weight = colon < 0 ? 1 : Integer.parseInt(t.substring(colon + 1));
            } catch (NumberFormatException e) {
                weight = 0;
            }
            if (weight < 1 || weight > 1000) {
                throw new IllegalArgumentException("warmwire.egress.pools." + name + ": the weight of " + sourceName
                        + " must be 1..1000: " + t);
            }
            Source s = sources.get(sourceName);
            if (s == null) {
                throw new IllegalArgumentException("warmwire.egress.pools." + name + ": no source " + sourceName
                        + " (sources: " + sources.keySet() + ")");
            }
            in.add(s);
            weights.add(weight);
        }
        if (in.isEmpty()) {
            throw new IllegalArgumentException("warmwire.egress.pools." + name + ": no sources");
        }
        return new Pool(name, in, weights.stream().mapToInt(Integer::intValue).toArray());
    }

    /** The source of a job for {@code siteKey} of {@code tenant} (either may be null); null: the system's address. */
    public Source choose(String siteKey, String tenant) {
        Pool p = bySite.isEmpty() ? null
                : Site.byKeyOrHost(siteKey == null ? null : siteKey.toLowerCase(java.util.Locale.ROOT), bySite::get);
        if (p == null && tenant != null) {
            p = byTenant.get(tenant);
        }
        if (p == null) {
            p = defaultPool;
        }
        return p == null ? null : p.next();
    }

    public Collection<Source> sources() {
        return sources.values();
    }

    /** The pools, for the start-up log: name -> members with weights. */
    public Map<String, String> describe() {
        Map<String, String> out = new LinkedHashMap<>();
        pools.forEach((n, p) -> out.put(n, p.toString()));
        return out;
    }

    /** One pool: its sources, weights, and the round robin's state. */
    static final class Pool {
        private final String name;
        private final Source[] members;
        private final int[] weights;
        private final int total;
        private final long[] current;

        Pool(String name, List<Source> members, int[] weights) {
            this.name = name;
            this.members = members.toArray(new Source[0]);
            this.weights = weights;
            this.total = java.util.Arrays.stream(weights).sum();
            this.current = new long[weights.length];
        }

        /** Smooth weighted round robin: every member gains its weight; the one ahead goes and falls back by the total. */
        synchronized Source next() {
            int best = 0;
            for (int i = 0; i < members.length; i++) {
                current[i] += weights[i];
                if (current[i] > current[best]) {
                    best = i;
                }
            }
            current[best] -= total;
            return members[best];
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < members.length; i++) {
                b.append(i == 0 ? "" : ", ").append(members[i].label()).append(" x").append(weights[i]);
            }
            return b.toString();
        }
    }
}
