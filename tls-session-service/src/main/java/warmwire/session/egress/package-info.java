/**
 * Egress: the named source addresses connections are made from, and the pools that choose one
 * per job ({@link warmwire.session.egress.EgressPools}). The connection cache keeps a site's
 * connections, limits and provider budget per source ({@code readyq}); the ticket store keys TLS
 * sessions by source ({@code tls}); the outcome names the source ({@code agent}).
 */
package warmwire.session.egress;
