/**
 * SUMMARY
 *   MTA-STS (RFC 8461): the {@code _mta-sts} TXT record ({@link warmwire.delivery.mtasts.StsRecord}),
 *   the policy a receiving domain publishes over HTTPS with its MX patterns
 *   ({@link warmwire.delivery.mtasts.StsPolicy}), its fetch with the limits of section 3.3
 *   ({@link warmwire.delivery.mtasts.StsFetcher}) and the cache of section 5.1
 *   ({@link warmwire.delivery.mtasts.StsPolicies}).
 * BUGS
 *   Not wired into routing yet (issue 14): the TXT lookup, enforce (only matching MX hosts,
 *   certificate verified against the MX name, never clear text, failures deferred) and testing
 *   in the route planner, the policy in the site key, and TLSRPT come next. Nothing here is
 *   used by the service today.
 */
package warmwire.delivery.mtasts;
