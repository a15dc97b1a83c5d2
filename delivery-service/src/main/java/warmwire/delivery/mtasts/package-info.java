/**
 * SUMMARY
 *   MTA-STS (RFC 8461): the {@code _mta-sts} TXT record ({@link warmwire.delivery.mtasts.StsRecord}),
 *   the policy a receiving domain publishes over HTTPS with its MX patterns
 *   ({@link warmwire.delivery.mtasts.StsPolicy}), its fetch with the limits of section 3.3
 *   ({@link warmwire.delivery.mtasts.StsFetcher}), the cache of section 5.1
 *   ({@link warmwire.delivery.mtasts.StsPolicies}) and what a policy does to a domain's route
 *   ({@link warmwire.delivery.mtasts.MtaSts}), which dispatch.DomainRouter applies.
 * BUGS
 *   Policies are
 *   fetched when a message needs them, not refreshed ahead of their expiry. A TXT record split
 *   into several strings reads as no record.
 */
package warmwire.delivery.mtasts;
