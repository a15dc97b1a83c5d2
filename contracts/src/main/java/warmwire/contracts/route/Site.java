package warmwire.contracts.route;

import java.util.List;
import java.util.TreeSet;
import warmwire.contracts.mail.PolicySource;
import warmwire.contracts.mail.TlsLevel;

/**
 * A site: the set of hosts that receive mail for one or more domains, at one port, under one TLS
 * level from one policy source (DESIGN.md principle 5). Domains whose MX sets are equal share a
 * site and so share connections, as long as their TLS level and its source are the same. The
 * {@link #shardKey()} is the Kafka record key of every delivery job for the site, so {@link
 * ShardHash} of it is the site's shard: the site key, or its provider's key when the site belongs
 * to a mailbox provider (all the provider's sites on one shard, which applies its limits).
 *
 * @param hosts sorted, lower-case host names (MX targets, or the static route's host)
 * @param port  the TCP port the hosts are reached on
 * @param tls    the TLS level every job of this site is delivered under
 * @param policy where the level came from; null reads as {@link PolicySource#CONFIG}
 * @param match  for level {@code secure}: the names the certificate must match (the recipient
 *               domain and {@code .domain}, or names configured for it), in the order given;
 *               empty otherwise (null reads as empty). Part of the key: two domains that share
 *               MX hosts under secure are two sites, each verified for its own names.
 * @param provider the mailbox provider whose MX domains hold all the hosts ({@code
 *               contracts.shape.Providers}), or null. Not part of the key: it follows from the
 *               hosts.
 */
public record Site(List<String> hosts, int port, TlsLevel tls, PolicySource policy,
                   @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_EMPTY)
                   List<String> match,
                   @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
                   String provider) {
    private static final java.util.regex.Pattern PROVIDER_NAME = java.util.regex.Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    /** A site of no provider. */
    public Site(List<String> hosts, int port, TlsLevel tls, PolicySource policy, List<String> match) {
        this(hosts, port, tls, policy, match, null);
    }

    /** A site under configuration alone. */
    public Site(List<String> hosts, int port, TlsLevel tls) {
        this(hosts, port, tls, PolicySource.CONFIG, List.of());
    }

    /** A site without names to match. */
    public Site(List<String> hosts, int port, TlsLevel tls, PolicySource policy) {
        this(hosts, port, tls, policy, List.of());
    }

    public Site {
        policy = policy == null ? PolicySource.CONFIG : policy;
        match = match == null ? List.of() : List.copyOf(match);
        TreeSet<String> sorted = new TreeSet<>();
        for (String h : hosts) {
            sorted.add(HostNames.normalise(h));
        }
        if (sorted.isEmpty()) {
            throw new IllegalArgumentException("a site needs at least one host");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        hosts = List.copyOf(sorted);
        if (provider != null && !isProviderName(provider)) {
            throw new IllegalArgumentException("provider name must be lower-case letters, digits and '-': " + provider);
        }
    }

    /** Whether {@code name} is a provider's name: lower-case letters, digits and '-', 1 to 63, not starting with '-'. */
    public static boolean isProviderName(String name) {
        return PROVIDER_NAME.matcher(name).matches();
    }

    /** This site as a site of {@code provider} (null: of none). */
    public Site withProvider(String provider) {
        return java.util.Objects.equals(provider, this.provider) ? this : new Site(hosts, port, tls, policy, match, provider);
    }

    /**
     * The Kafka record key of the site's jobs, and so its shard: {@code provider:<name>} for a
     * site of a provider, else {@link #key()}.
     */
    public String shardKey() {
        return provider == null ? key() : shardKeyOf(provider);
    }

    /** The shard key of a provider's sites. */
    public static String shardKeyOf(String provider) {
        return "provider:" + provider;
    }

    /**
     * The site key: {@code host1,host2:port/tls}, for instance {@code mx1.example.com,mx2.example.com:25/may},
     * with {@code /source} after it when the level came from a published policy, for instance
     * {@code mx.example.com:25/verify/mta-sts}, and with {@code /match=} and the names joined by
     * {@code +} under secure, for instance {@code mx.example.net:25/secure/match=example.com+.example.com}.
     */
    public String key() {
        String key = String.join(",", hosts) + ":" + port + "/" + tls.wireName();
        if (policy != PolicySource.CONFIG) {
            key += "/" + policy.wireName();
        }
        return match.isEmpty() ? key : key + "/match=" + String.join("+", match);
    }

    /**
     * What {@code lookup} says about a site, asked by its whole key first and then by each of its
     * MX hosts in key order (settings and operator decisions may name either); null when nothing
     * answers. {@code siteKey} may be null.
     */
    public static <T> T byKeyOrHost(String siteKey, java.util.function.Function<String, T> lookup) {
        if (siteKey == null) {
            return null;
        }
        T found = lookup.apply(siteKey);
        if (found != null) {
            return found;
        }
        int colon = siteKey.lastIndexOf(':');
        for (String host : (colon < 0 ? siteKey : siteKey.substring(0, colon)).split(",")) {
            found = lookup.apply(host);
            if (found != null) {
                return found;
            }
        }
        return null;
    }
}
