package warmwire.contracts.shape;

import java.util.List;
import warmwire.contracts.route.Site;

/**
 * One mailbox provider of a providers file ({@link Providers}): the MX domains that make a site
 * its own, and the limits that apply across all its sites.
 *
 * @param name                       lower-case letters, digits and '-': in shard keys, logs, metrics
 * @param domains                    MX host domains: a host is the provider's when it is one of them
 *                                   or under one ({@code google.com} takes {@code aspmx.l.google.com})
 * @param maxConnections             live connections across all its sites at most; 0 = no limit
 * @param maxDeliveriesPerConnection transactions per connection; 0 = the service's own setting
 * @param messageRate                messages a second across all its sites (GCRA); 0 = no limit
 * @param messageBurst               messages that may go at once after a quiet spell
 * @param connectionRate             new connections a minute across all its sites; 0 = no limit
 * @param connectionBurst            new connections that may open at once after a quiet spell
 */
public record Provider(String name, List<String> domains, int maxConnections, int maxDeliveriesPerConnection,
                       double messageRate, int messageBurst, double connectionRate, int connectionBurst) {

    public Provider {
        if (name == null || !Site.isProviderName(name)) {
            throw new IllegalArgumentException("provider name must be lower-case letters, digits and '-': " + name);
        }
        domains = List.copyOf(domains);
        if (domains.isEmpty()) {
            throw new IllegalArgumentException("provider " + name + " has no mx domains");
        }
        if (maxConnections < 0 || maxDeliveriesPerConnection < 0 || messageRate < 0 || connectionRate < 0
                || Double.isNaN(messageRate) || Double.isNaN(connectionRate) || messageBurst < 1 || connectionBurst < 1) {
            throw new IllegalArgumentException("provider " + name + ": limits must be 0 (none) or positive, bursts at least 1");
        }
    }

    /** Whether {@code host} (lower-case, no trailing dot) is one of this provider's MX domains or under one. */
    public boolean covers(String host) {
        for (String d : domains) {
            if (host.equals(d) || host.endsWith(d) && host.charAt(host.length() - d.length() - 1) == '.') {
                return true;
            }
        }
        return false;
    }

    /** The shard key of its sites' jobs: every site of a provider is on one shard, so its limits are exact. */
    public String shardKey() {
        return warmwire.contracts.route.Site.shardKeyOf(name);
    }
}
