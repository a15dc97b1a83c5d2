package warmwire.delivery.dispatch;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import warmwire.contracts.mail.PolicySource;
import warmwire.contracts.mail.QueuedMessage;
import warmwire.contracts.mail.TlsLevel;
import warmwire.contracts.outcome.Delays;
import warmwire.contracts.outcome.DeliveryOutcome;
import warmwire.contracts.outcome.RecipientResult;
import warmwire.contracts.route.DeliveryJob;
import warmwire.contracts.route.Endpoint;
import warmwire.contracts.route.Site;
import warmwire.contracts.shape.Provider;
import warmwire.contracts.shape.Providers;
import warmwire.contracts.tlsrpt.TlsPolicyRef;
import warmwire.contracts.tlsrpt.TlsResult;
import warmwire.delivery.mx.Route;

/**
 * NAME
 *   RoutePlanner - groups a message's recipients by site; the unroutable ones into an outcome.
 * DESCRIPTION
 *   The site of a routed recipient is its destination's host set and port with the message's
 *   TLS level (warmwire.tls.level when the message has none), so domains whose MX sets are
 *   equal share a site and a job, and the same hosts under another TLS level are another site.
 *   A destination under an MTA-STS policy in mode enforce is delivered under {@code verify}
 *   whatever the message asked (RFC 8461 section 5: the receiving domain's policy is the floor),
 *   in a site of its own ({@code .../verify/mta-sts}). Under {@code secure} the certificate must
 *   name the recipient domain or a subdomain (or the names warmwire.tls.secure-match gives for
 *   it): those names are part of the site and travel on its endpoints. A message with
 *   REQUIRETLS goes only to a destination under MTA-STS enforce or DANE (then {@code dane-only}:
 *   the hosts with TLSA records), else its recipients bounce 5.7.30.
 *   A shared site's endpoints are those of the first of its domains. The job id is
 *   {@code <message id>/<attempt>/<site key>}. A site whose hosts all belong to one mailbox
 *   provider ({@link Providers}) names it: its jobs are keyed by the provider, so all the
 *   provider's sites are on one shard and its limits hold across them.
 *
 *   Unroutable recipients go into one {@link DeliveryOutcome} (no job, no site, relay "none",
 *   connection use 0) with delays queue/route filled in. A destination under a published
 *   policy (MTA-STS enforce or testing, DANE) puts the policy on its site's job, one per
 *   recipient domain, for the TLS report; what routing found for the report itself (a
 *   published policy that refused every host, a policy fetch that failed) goes into the plan's
 *   TLS results, one per domain.
 */
public final class RoutePlanner {
    /** RFC 8689 section 5: "REQUIRETLS support required". */
    static final String REQUIRETLS = "5.7.30";
    private static final Route.Failure BAD_ADDRESS = Route.Failure.bounce("5.1.3", "bad recipient address syntax");

    private RoutePlanner() {
    }

    /** The recipient's domain, lower case, or null if the address has none. */
    public static String domainOf(String recipient) {
        int at = recipient == null ? -1 : recipient.lastIndexOf('@');
        if (at < 0 || at == recipient.length() - 1) {
            return null;
        }
        String d = recipient.substring(at + 1).toLowerCase(Locale.ROOT);
        return d.endsWith(".") ? d.substring(0, d.length() - 1) : d;
    }

    /**
     * @param routes    the route of every recipient domain (by {@link #domainOf})
     * @param startedAt when routing of this message began
     * @param routedAt  when it ended
     */
    public static Plan plan(QueuedMessage m, Map<String, Route> routes, TlsLevel defaultTls, Instant startedAt,
                            Instant routedAt) {
        return plan(m, routes, defaultTls, d -> List.of(), startedAt, routedAt);
    }

    /**
     * @param secureMatch the names configured for a domain under secure (empty: the domain and
     *                    its subdomains, Postfix's "nexthop, dot-nexthop")
     */
    public static Plan plan(QueuedMessage m, Map<String, Route> routes, TlsLevel defaultTls,
                            java.util.function.Function<String, List<String>> secureMatch, Instant startedAt,
                            Instant routedAt) {
        return plan(m, routes, defaultTls, secureMatch, Providers.none(), startedAt, routedAt);
    }

    /** @param providers the mailbox providers: a site whose hosts are all one provider's names it */
    public static Plan plan(QueuedMessage m, Map<String, Route> routes, TlsLevel defaultTls,
                            java.util.function.Function<String, List<String>> secureMatch, Providers providers,
                            Instant startedAt, Instant routedAt) {
        TlsLevel tls = m.tls() != null ? m.tls() : defaultTls;
        double routeSeconds = seconds(startedAt, routedAt);
        Map<Site, List<String>> recipients = new LinkedHashMap<>();
        Map<Site, List<Endpoint>> endpoints = new LinkedHashMap<>();
        Map<Site, Map<String, TlsPolicyRef>> reports = new LinkedHashMap<>();
        List<RecipientResult> failed = new ArrayList<>();
        Map<String, TlsResult> tlsResults = new LinkedHashMap<>();
        for (String rcpt : m.recipients()) {
            String domain = domainOf(rcpt);
            Route r = domain == null ? BAD_ADDRESS : routes.get(domain);
            if (r == null) {
                r = Route.Failure.defer("no route was computed for " + domain);
            }
            if (r instanceof Route.Destination d && m.requireTls()) {
                r = requireTls(domain, d);
            }
            if (r instanceof Route.Destination d) {
                TlsLevel level = d.policy() == PolicySource.MTA_STS ? tls.atLeast(TlsLevel.VERIFY)
                        : d.policy() == PolicySource.DANE && m.requireTls() ? TlsLevel.DANE_ONLY : tls;
                List<String> match = level != TlsLevel.SECURE ? List.of() : secureNames(domain, secureMatch.apply(domain));
                Provider provider = providers.of(d.hosts());
                Site site = new Site(d.hosts(), d.port(), level, d.policy(), match, provider == null ? null : provider.name());
                recipients.computeIfAbsent(site, s -> new ArrayList<>()).add(rcpt);
                endpoints.computeIfAbsent(site, s -> match.isEmpty() ? d.endpoints()
                        : d.endpoints().stream().map(e -> e.withMatch(match)).toList());
                if (d.report() != null) {
                    reports.computeIfAbsent(site, s -> new LinkedHashMap<>()).putIfAbsent(domain, d.report());
                }
                if (d.tlsResult() != null) {
                    tlsResults.putIfAbsent(domain, d.tlsResult());
                }
            } else {
                Route.Failure f = (Route.Failure) r;
                failed.add(new RecipientResult(rcpt, f.status(), null, f.enhanced(), f.reason()));
                if (f.tlsResult() != null) {
                    tlsResults.putIfAbsent(domain, f.tlsResult());
                }
            }
        }
        List<DeliveryJob> jobs = new ArrayList<>();
        recipients.forEach((site, rcpts) -> jobs.add(DeliveryJob.of(m, site, endpoints.get(site), List.copyOf(rcpts),
                routedAt, routeSeconds, List.copyOf(reports.getOrDefault(site, Map.of()).values()))));
        DeliveryOutcome outcome = null;
        if (!failed.isEmpty()) {
            double queued = m.submittedAt() == null ? 0 : Math.max(0, seconds(m.submittedAt(), startedAt));
            outcome = new DeliveryOutcome(m.id(), null, m.attempt(), null, "none", List.copyOf(failed), null, 0,
                    new Delays(queued, routeSeconds, 0, 0), routedAt).withPending(m);
        }
        return new Plan(List.copyOf(jobs), outcome, List.copyOf(tlsResults.values()));
    }

    /**
     * REQUIRETLS (RFC 8689 4.2.1): the MX hosts validated by MTA-STS (enforce) or by DNSSEC with
     * TLSA records (DANE; hosts without them are left out), else the recipient bounces 5.7.30.
     */
    static Route requireTls(String domain, Route.Destination d) {
        if (d.policy() == PolicySource.MTA_STS) {
            return d;
        }
        if (d.policy() == PolicySource.DANE) {
            List<Endpoint> withTlsa = d.endpoints().stream().filter(e -> !e.tlsa().isEmpty()).toList();
            if (!withTlsa.isEmpty()) {
                List<String> hosts = d.hosts().stream()
                        .filter(h -> withTlsa.stream().anyMatch(e -> e.host().equalsIgnoreCase(h))).toList();
                return new Route.Destination(hosts, d.port(), withTlsa, PolicySource.DANE, d.report(), d.tlsResult());
            }
        }
        return Route.Failure.bounce(REQUIRETLS, "REQUIRETLS: the MX hosts of " + domain + " are validated by neither an"
                + " MTA-STS policy in mode enforce nor DNSSEC with TLSA records (DANE)");
    }

    /** The names a certificate must match for {@code domain} under secure. */
    static List<String> secureNames(String domain, List<String> configured) {
        return configured == null || configured.isEmpty() ? List.of(domain, "." + domain) : List.copyOf(configured);
    }

    private static double seconds(Instant from, Instant to) {
        return Duration.between(from, to).toNanos() / 1e9;
    }
}
