package warmwire.delivery.dispatch;

import io.netty.util.NetUtil;
import io.smallrye.mutiny.Uni;
import java.util.Optional;
import java.util.function.Supplier;
import warmwire.contracts.mail.PolicySource;
import warmwire.contracts.mail.TlsLevel;
import warmwire.delivery.dane.Dane;
import warmwire.delivery.mtasts.MtaSts;
import warmwire.delivery.mtasts.StsPolicies;
import warmwire.delivery.mx.MxResolver;
import warmwire.delivery.mx.Route;
import warmwire.delivery.policy.Nexthop;
import warmwire.delivery.policy.TransportTable;

/**
 * NAME
 *   DomainRouter - the route of one recipient domain: routes file first, then DNS.
 * DESCRIPTION
 *   An address literal ({@code [192.0.2.1]}, {@code [IPv6:2001:db8::1]}) goes to that address on
 *   warmwire.smtp.port. A domain with a static route goes where the route says: {@code [host]}
 *   to the host's addresses (or the IP literal), {@code host} to the MX hosts of host, an empty
 *   nexthop to the domain's own MX hosts; the route's port, else warmwire.smtp.port. Every
 *   other domain goes to its MX hosts on warmwire.smtp.port.
 *
 *   A domain routed by its own MX records (no route, or an empty nexthop) is routed under its
 *   MTA-STS policy ({@link MtaSts}), looked up beside the MX records; a route that names a
 *   nexthop is the operator's choice, and no receiving domain's policy applies to it. Mail
 *   at level dane or dane-only is routed under DANE ({@link Dane}) before MTA-STS.
 *
 *   Two resolvers: {@code dns} applies the address policy (no loopback, private, link-local,
 *   ... address outside warmwire.dns.allow-private) and serves address literals, domains
 *   without a route and routes with an empty nexthop (the domain's own MX: DNS chose those
 *   addresses, not the operator); {@code routed} allows every address and serves routes that
 *   name a nexthop host, which is the operator's choice.
 */
public final class DomainRouter {
    private final Supplier<TransportTable> table;
    private final MxResolver mx;
    private final MxResolver routed;
    private final int smtpPort;
    private final MtaSts sts;
    private final Dane dane;

    public DomainRouter(Supplier<TransportTable> table, MxResolver dns, MxResolver routed, int smtpPort) {
        this(table, dns, routed, smtpPort, null, null);
    }

    /**
     * @param sts  MTA-STS for the domains routed by their own MX records; null = off
     * @param dane DANE for those domains at the levels dane and dane-only; null = those levels
     *             route as may (tests without a validating resolver)
     */
    public DomainRouter(Supplier<TransportTable> table, MxResolver dns, MxResolver routed, int smtpPort, MtaSts sts,
                        Dane dane) {
        this.table = table;
        this.mx = dns;
        this.routed = routed;
        this.smtpPort = smtpPort;
        this.sts = sts;
        this.dane = dane;
    }

    /** As {@link #route(String, TlsLevel, boolean)} at level may, under the domain's published policies. */
    public Uni<Route> route(String domain) {
        return route(domain, TlsLevel.MAY, true);
    }

    /**
     * The route of {@code domain} for mail at {@code level}; {@code published}: under the
     * domain's DANE and MTA-STS policies (false: a message with "TLS-Required: No", RFC 8689
     * section 5, routed as configuration alone says). Never fails: failures are {@link Route.Failure} items.
     */
    public Uni<Route> route(String domain, TlsLevel level, boolean published) {
        if (domain.startsWith("[") && domain.endsWith("]")) {
            String literal = domain.substring(1, domain.length() - 1);
            if (literal.regionMatches(true, 0, "ipv6:", 0, 5)) {
                literal = literal.substring(5);
            }
            if (NetUtil.isValidIpV4Address(literal) || NetUtil.isValidIpV6Address(literal)) {
                return mx.host(literal, smtpPort);
            }
            return Uni.createFrom().item(Route.Failure.bounce("5.1.2", "bad address literal " + domain));
        }
        Optional<Nexthop> route = table.get().lookup(domain);
        Uni<Route> r;
        if (route.isEmpty()) {
            r = published ? ownMx(domain, smtpPort, level) : mx.mailDomain(domain, smtpPort);
        } else {
            Nexthop n = route.get();
            int port = n.portOr(smtpPort);
            r = n.host() == null ? (published ? ownMx(domain, port, level) : mx.mailDomain(domain, port))
                    : n.mxLookup() ? routed.mailDomain(n.host(), port) : routed.host(n.host(), port);
        }
        return r.onFailure().recoverWithItem(t -> Route.Failure.defer("routing failed for " + domain + ": " + t));
    }

    /**
     * The domain's own MX hosts: at level dane or dane-only under DANE first; then, unless DANE
     * applied (RFC 8461 section 2) or refused, under its MTA-STS policy (looked up beside the MX
     * records).
     */
    private Uni<Route> ownMx(String domain, int port, TlsLevel level) {
        Uni<Route> r = mx.mailDomain(domain, port);
        if (dane != null && level.dane()) {
            r = r.chain(route -> dane.apply(domain, level, route));
        }
        if (sts == null) {
            return r;
        }
        return Uni.combine().all().unis(r, sts.policyOf(domain)).asTuple()
                .map(t -> underPolicies(domain, t.getItem1(), t.getItem2()));
    }

    /** RFC 8461 section 2: a destination DANE decided stays so; any other route goes under the MTA-STS policy. */
    static Route underPolicies(String domain, Route afterDane, StsPolicies.Found sts) {
        boolean daneDecided = afterDane instanceof Route.Destination d && d.policy() == PolicySource.DANE;
        return daneDecided ? afterDane : MtaSts.apply(domain, sts, afterDane);
    }
}
