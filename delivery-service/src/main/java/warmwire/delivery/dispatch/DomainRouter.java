package warmwire.delivery.dispatch;

import io.netty.util.NetUtil;
import io.smallrye.mutiny.Uni;
import java.util.Optional;
import java.util.function.Supplier;
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

    public DomainRouter(Supplier<TransportTable> table, MxResolver dns, MxResolver routed, int smtpPort) {
        this.table = table;
        this.mx = dns;
        this.routed = routed;
        this.smtpPort = smtpPort;
    }

    /** Never fails: failures are {@link Route.Failure} items. */
    public Uni<Route> route(String domain) {
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
            r = mx.mailDomain(domain, smtpPort);
        } else {
            Nexthop n = route.get();
            int port = n.portOr(smtpPort);
            r = n.host() == null ? mx.mailDomain(domain, port)
                    : n.mxLookup() ? routed.mailDomain(n.host(), port) : routed.host(n.host(), port);
        }
        return r.onFailure().recoverWithItem(t -> Route.Failure.defer("routing failed for " + domain + ": " + t));
    }
}
