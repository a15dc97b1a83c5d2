package warmwire.delivery.mx;

import io.netty.util.NetUtil;
import io.smallrye.mutiny.Uni;
import io.vertx.core.dns.MxRecord;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import warmwire.contracts.route.Endpoint;

/**
 * NAME
 *   MxResolver - a mail domain or a host name to a {@link Route}.
 * DESCRIPTION
 *   {@link #mailDomain} follows RFC 5321 section 5.1: the domain's MX records, best (lowest)
 *   preference first, hosts of equal preference in random order; then the A and AAAA records of
 *   every MX host, asked all at once. Without MX records (NODATA) the domain itself is the
 *   implicit MX, preference 0. A single MX whose target is "." is a null MX (RFC 7505).
 *   {@link #host} skips the MX step (Postfix's {@code [host]}); an IP literal needs no DNS.
 *
 *   Classification (the enhanced codes are RFC 3463/7505):
 *   <ul>
 *   <li>MX NXDOMAIN: bounced 5.1.2 "Host or domain name not found. Name service error for
 *       name=D type=MX: Host not found".</li>
 *   <li>null MX: bounced 5.1.10.</li>
 *   <li>no MX and no address for the domain: bounced 5.1.2; MX hosts (or a static route's
 *       host) without any address: bounced 5.4.4.</li>
 *   <li>any lookup that no server answered (timeout, SERVFAIL, REFUSED, ...) and that leaves
 *       the domain without an address: deferred 4.4.3, "... Host not found, try again".</li>
 *   </ul>
 *   A host that fails while another MX host has addresses is simply left out of the endpoints;
 *   it stays in the site's host set, so the site key does not depend on DNS luck.
 */
public final class MxResolver {
    private final DnsLookup dns;

    public MxResolver(DnsLookup dns) {
        this.dns = dns;
    }

    private record Mx(String host, int preference) {
    }

    /** What the A and AAAA lookups of one host found. */
    private record Found(List<String> addresses, DnsTemporaryFailure temporary) {
        static Found of(DnsAnswer<String> answer) {
            return new Found(answer.records(), null);
        }

        static Found failed(Throwable t) {
            return new Found(List.of(), t instanceof DnsTemporaryFailure f ? f
                    : new DnsTemporaryFailure("A", "?", t.toString()));
        }

        Found plus(Found o) {
            List<String> all = new ArrayList<>(addresses);
            all.addAll(o.addresses);
            return new Found(all, temporary != null ? temporary : o.temporary);
        }
    }

    /** Routes mail for {@code domain} by its MX records, to {@code port}. */
    public Uni<Route> mailDomain(String domain, int port) {
        String d = normalise(domain);
        return dns.mx(d).onItemOrFailure().transformToUni((answer, failure) -> {
            if (failure != null) {
                return Uni.createFrom().item(deferred(failure, "MX", d));
            }
            if (answer.nxdomain()) {
                return Uni.createFrom().item(Route.Failure.bounce("5.1.2", notFound(d, "MX")));
            }
            if (answer.records().isEmpty()) {
                return addresses(List.of(new Mx(d, 0)), port, "5.1.2");
            }
            List<Mx> mxs = new ArrayList<>();
            for (MxRecord r : answer.records()) {
                String target = r.name() == null ? "" : normalise(r.name());
                if (!target.isEmpty()) {
                    mxs.add(new Mx(target, r.priority()));
                }
            }
            if (mxs.isEmpty()) {
                return Uni.createFrom().item(Route.Failure.bounce("5.1.10",
                        "Domain " + d + " does not accept mail (null MX)"));
            }
            return addresses(preferenceOrder(mxs), port, "5.4.4");
        });
    }

    /** Routes mail to {@code host} itself (no MX lookup), to {@code port}. */
    public Uni<Route> host(String host, int port) {
        if (NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host)) {
            return Uni.createFrom().item(new Route.Destination(List.of(host), port,
                    List.of(new Endpoint(host, host, port, 0))));
        }
        return addresses(List.of(new Mx(normalise(host), 0)), port, "5.4.4");
    }

    private Uni<Route> addresses(List<Mx> mxs, int port, String notFoundCode) {
        List<Uni<Found>> lookups = new ArrayList<>();
        for (Mx mx : mxs) {
            Uni<Found> a = dns.a(mx.host()).map(Found::of).onFailure().recoverWithItem(Found::failed);
            Uni<Found> aaaa = dns.aaaa(mx.host()).map(Found::of).onFailure().recoverWithItem(Found::failed);
            lookups.add(Uni.combine().all().unis(a, aaaa).with(Found::plus));
        }
        return Uni.join().all(lookups).andFailFast().map(found -> {
            List<Endpoint> endpoints = new ArrayList<>();
            Set<String> seen = new LinkedHashSet<>();
            DnsTemporaryFailure temporary = null;
            for (int i = 0; i < mxs.size(); i++) {
                Mx mx = mxs.get(i);
                Found f = found.get(i);
                for (String a : f.addresses()) {
                    String address = canonical(a);
                    if (seen.add(address)) {
                        endpoints.add(new Endpoint(mx.host(), address, port, mx.preference()));
                    }
                }
                if (temporary == null) {
                    temporary = f.temporary();
                }
            }
            List<String> hosts = mxs.stream().map(Mx::host).distinct().toList();
            if (!endpoints.isEmpty()) {
                return new Route.Destination(hosts, port, endpoints);
            }
            if (temporary != null) {
                return deferred(temporary, temporary.type(), temporary.name());
            }
            return Route.Failure.bounce(notFoundCode, notFound(hosts.get(0), "A"));
        });
    }

    /** Sorted by preference; hosts of equal preference shuffled (RFC 5321 section 5.1). */
    private static List<Mx> preferenceOrder(List<Mx> mxs) {
        List<Mx> sorted = new ArrayList<>(mxs);
        sorted.sort(Comparator.comparingInt(Mx::preference));
        int start = 0;
        for (int i = 1; i <= sorted.size(); i++) {
            if (i == sorted.size() || sorted.get(i).preference() != sorted.get(start).preference()) {
                if (i - start > 1) {
                    Collections.shuffle(sorted.subList(start, i), ThreadLocalRandom.current());
                }
                start = i;
            }
        }
        return sorted;
    }

    private static Route.Failure deferred(Throwable failure, String type, String name) {
        if (failure instanceof DnsTemporaryFailure f) {
            return Route.Failure.defer("Host or domain name not found. " + f.getMessage());
        }
        return Route.Failure.defer("Host or domain name not found. Name service error for name=" + name + " type="
                + type + ": Host not found, try again (" + failure + ")");
    }

    /** RFC 5952 text for IPv6 ({@code 2001:db8::1}, not {@code 2001:db8:0:0:0:0:0:1}). */
    private static String canonical(String address) {
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address);
        if (bytes == null || bytes.length != 16) {
            return address;
        }
        try {
            return NetUtil.toAddressString(InetAddress.getByAddress(bytes));
        } catch (UnknownHostException e) {
            return address;
        }
    }

    private static String notFound(String name, String type) {
        return "Host or domain name not found. Name service error for name=" + name + " type=" + type
                + ": Host not found";
    }

    private static String normalise(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }
}
