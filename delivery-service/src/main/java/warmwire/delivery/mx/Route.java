package warmwire.delivery.mx;

import java.util.List;
import warmwire.contracts.mail.PolicySource;
import warmwire.contracts.outcome.Status;
import warmwire.contracts.route.Endpoint;
import warmwire.contracts.tlsrpt.TlsPolicyRef;
import warmwire.contracts.tlsrpt.TlsResult;

/**
 * NAME
 *   Route - where one domain's mail goes: a destination, or why it cannot go anywhere.
 */
public sealed interface Route permits Route.Destination, Route.Failure {

    /**
     * Hosts that accept the domain's mail.
     *
     * @param hosts     every MX host (or the static route's host): the site's host set, whether
     *                  or not each host had an address
     * @param port      TCP port
     * @param endpoints addresses to try, best MX preference first, A before AAAA per host
     * @param policy    the published TLS policy the destination is under ({@code CONFIG}: none)
     * @param report    the published policy whose session results are reported (RFC 8460): the
     *                  one in force, or an MTA-STS policy in mode testing; null when none
     * @param tlsResult a result routing itself found for the TLS report (a policy fetch that
     *                  failed), null when none; as {@link Failure#tlsResult()}
     */
    record Destination(List<String> hosts, int port, List<Endpoint> endpoints, PolicySource policy,
                       TlsPolicyRef report, TlsResult tlsResult) implements Route {
        public Destination {
            hosts = List.copyOf(hosts);
            endpoints = List.copyOf(endpoints);
            policy = policy == null ? PolicySource.CONFIG : policy;
        }

        /** A destination under configuration alone. */
        public Destination(List<String> hosts, int port, List<Endpoint> endpoints) {
            this(hosts, port, endpoints, PolicySource.CONFIG, null, null);
        }

        /** A destination under {@code policy}, nothing to report. */
        public Destination(List<String> hosts, int port, List<Endpoint> endpoints, PolicySource policy) {
            this(hosts, port, endpoints, policy, null, null);
        }

        /** A destination under {@code policy}, its sessions reported under {@code report}. */
        public Destination(List<String> hosts, int port, List<Endpoint> endpoints, PolicySource policy,
                           TlsPolicyRef report) {
            this(hosts, port, endpoints, policy, report, null);
        }

        /** The same destination, its session results reported under {@code ref}. */
        public Destination withReport(TlsPolicyRef ref) {
            return new Destination(hosts, port, endpoints, policy, ref, tlsResult);
        }

        /** The same destination with {@code result} to report. */
        public Destination withTlsResult(TlsResult result) {
            return new Destination(hosts, port, endpoints, policy, report, result);
        }
    }

    /**
     * No destination: {@link Status#BOUNCED} (NXDOMAIN, null MX, no address) or
     * {@link Status#DEFERRED} (timeout, SERVFAIL, REFUSED).
     *
     * @param enhanced the RFC 3463 code: 5.1.2, 5.1.10, 5.4.4, 5.4.6 (a forbidden destination), 5.1.3
     *                 (bad recipient address syntax), 4.4.3 or 4.7.5 (a published TLS policy that no
     *                 MX host can meet)
     * @param reason   Postfix-style explanation
     */
    record Failure(Status status, String enhanced, String reason, TlsResult tlsResult) implements Route {

        /** A failure with nothing to report. */
        public Failure(Status status, String enhanced, String reason) {
            this(status, enhanced, reason, null);
        }

        public static Failure bounce(String enhanced, String reason) {
            return new Failure(Status.BOUNCED, enhanced, reason);
        }

        public static Failure defer(String reason) {
            return new Failure(Status.DEFERRED, "4.4.3", reason);
        }
    }
}
