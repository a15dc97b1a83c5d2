package warmwire.delivery.mtasts;

import io.smallrye.mutiny.Uni;
import java.util.List;
import java.util.Optional;
import warmwire.contracts.mail.PolicySource;
import warmwire.contracts.outcome.Status;
import warmwire.contracts.route.Endpoint;
import warmwire.contracts.tlsrpt.TlsPolicyRef;
import warmwire.contracts.tlsrpt.TlsResult;
import warmwire.delivery.mx.DnsAnswer;
import warmwire.delivery.mx.DnsLookup;
import warmwire.delivery.mx.Route;

/**
 * NAME
 *   MtaSts - a mail domain's route under its MTA-STS policy (RFC 8461 sections 4 and 5).
 * DESCRIPTION
 *   {@link #policyOf} looks up {@code _mta-sts.<domain>} TXT and asks {@link StsPolicies} for
 *   the policy in force (a failed lookup counts as no record: a cached policy stays). It never
 *   fails.
 *
 *   {@link #apply}: with no policy, or mode {@code testing} or {@code none}, the route is what
 *   DNS gave (testing: delivered as usual, RFC 8461 section 5, with the policy attached for the
 *   TLS report). Under {@code enforce}:
 *     - only the MX hosts the policy names stay, with their addresses (section 4.1);
 *     - the destination is marked {@link PolicySource#MTA_STS}, which the route planner
 *       delivers under {@code verify}: TLS required, the chain verified, the certificate naming
 *       the MX host (section 4.2), never clear text;
 *     - when no MX host matches, or none that matches has an address, the recipients are
 *       deferred with 4.7.5, never bounced at once (section 5: the failure may pass, a policy
 *       or MX fix is retried until the queue lifetime ends), and a validation-failure goes into
 *       the domain's TLS report;
 *     - a route that failed already (NXDOMAIN, a null MX, a DNS timeout) stays as it is.
 */
public final class MtaSts {
    /** RFC 3463 X.7.5: cryptographic failure; a deferral under a policy no MX host meets. */
    public static final String POLICY_FAILURE = "4.7.5";

    private final DnsLookup dns;
    private final StsPolicies policies;

    public MtaSts(DnsLookup dns, StsPolicies policies) {
        this.dns = dns;
        this.policies = policies;
    }

    /** The policy in force for {@code domain}, if any, and a fetch that failed; never fails. */
    public Uni<StsPolicies.Found> policyOf(String domain) {
        return dns.txt("_mta-sts." + domain)
                .map(DnsAnswer::records)
                .onFailure().recoverWithItem((List<String>) null)
                .chain(txt -> policies.policy(domain, txt))
                .onFailure().recoverWithItem(StsPolicies.Found.NONE);
    }

    /**
     * The route under what {@link #policyOf} found: {@link #apply}, and when a fetch failed and
     * left no policy in force, the failure as a result for the domain's TLS report
     * ({@code sts-policy-fetch-error}, {@code sts-policy-invalid}, {@code sts-webpki-invalid}).
     */
    public static Route apply(String domain, StsPolicies.Found found, Route route) {
        Route r = apply(domain, found.policy(), route);
        if (found.failure() != null && r instanceof Route.Destination d) {
            StsPolicyException e = found.failure();
            return d.withTlsResult(TlsResult.of(new TlsPolicyRef(domain, TlsPolicyRef.STS, List.of()), null, null,
                    e.resultType(), e.getMessage()));
        }
        return r;
    }

    /** The route of {@code domain} under {@code policy}. */
    public static Route apply(String domain, Optional<StsPolicy> policy, Route route) {
        if (policy.isEmpty() || policy.get().mode() == StsPolicy.Mode.NONE || !(route instanceof Route.Destination d)) {
            return route;
        }
        StsPolicy p = policy.get();
        TlsPolicyRef ref = new TlsPolicyRef(domain, TlsPolicyRef.STS, p.lines());
        if (p.mode() == StsPolicy.Mode.TESTING) {
            return d.withReport(ref); // as usual; tls-session-service reports what enforce would have met
        }
        List<String> hosts = d.hosts().stream().filter(p::matches).toList();
        if (hosts.isEmpty()) {
            String why = "MTA-STS policy of " + domain + " (mode enforce, mx " + String.join(" ", p.mx())
                    + ") names none of its MX hosts " + String.join(" ", d.hosts());
            return new Route.Failure(Status.DEFERRED, POLICY_FAILURE, why,
                    TlsResult.of(ref, d.hosts().get(0), null, TlsResult.VALIDATION_FAILURE, why));
        }
        List<Endpoint> endpoints = d.endpoints().stream().filter(e -> p.matches(e.host())).toList();
        if (endpoints.isEmpty()) {
            return new Route.Failure(Status.DEFERRED, POLICY_FAILURE, "MTA-STS policy of " + domain
                    + " (mode enforce): no MX host it names has a usable address: " + String.join(" ", hosts));
        }
        return new Route.Destination(hosts, d.port(), endpoints, PolicySource.MTA_STS, ref);
    }
}
