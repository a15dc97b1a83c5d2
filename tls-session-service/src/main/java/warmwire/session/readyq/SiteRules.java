package warmwire.session.readyq;

import warmwire.session.conn.ConnectionLimits;

/**
 * A site's own limits, and which of its provider's shared limits it is under. A per-site
 * setting wins over the provider's: a site with its own {@code max-connections},
 * {@code message-rate} or {@code connection-rate} is under that one alone, and is not counted
 * in the provider's.
 *
 * @param limits             the site's limits (the provider's deliveries per connection merged in)
 * @param ownConnections     the site has its own max-connections: not counted in the provider's
 * @param ownMessageRate     the site has its own message-rate
 * @param ownConnectionRate  the site has its own connection-rate
 */
public record SiteRules(ConnectionLimits limits, boolean ownConnections, boolean ownMessageRate,
                        boolean ownConnectionRate) {

    /** Limits of a site under no provider's. */
    public static SiteRules of(ConnectionLimits limits) {
        return new SiteRules(limits, true, true, true);
    }
}
