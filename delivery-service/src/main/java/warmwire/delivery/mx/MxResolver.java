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
import java.util.Set;
import java.util.stream.Collectors;
import java.util.concurrent.ThreadLocalRandom;
import warmwire.contracts.route.Endpoint;
import warmwire.contracts.text.BoundedText;
import warmwire.delivery.policy.AddressPolicy;
import warmwire.contracts.route.HostNames;

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
 *
 *   What an answer can make us do is bounded ({@link Limits}): only the best
 *   {@code mxHosts} MX hosts are used (by preference, after the shuffle), at most
 *   {@code addressesPerHost} addresses of each and {@code endpoints} in all; an MX target that
 *   is not a host name (longer than 253 characters, a label longer than 63, characters other
 *   than letters, digits, '-' and '_') is left out like a host without an address.
 *
 *   Addresses that the {@link AddressPolicy} forbids (loopback, private, link-local, multicast,
 *   ... outside the allow-list) are left out too, and so is an MX host with nothing else. When
 *   no endpoint remains and no lookup failed temporarily, the mail is bounced: 5.4.6 "mail for
 *   D loops back to myself" when every forbidden address is loopback or unspecified (Postfix's
 *   words and code), else 5.4.4 naming the host, the address and its category. A bounce, not a
 *   deferral: the verdict is our own policy about what the domain's owner published, not a
 *   passing failure, so a retry in five minutes would give the same answer for days while
 *   the sender learns nothing; a domain that fixes its MX gets its next mail delivered at once.
 */
public final class MxResolver {
    /** Longest host name (RFC 1035 section 2.3.4, without the final dot). */
    static final int MAX_NAME = 253;
    /** Longest label of a host name. */
    static final int MAX_LABEL = 63;

    /**
     * What one domain's DNS answers may make routing use.
     *
     * @param mxHosts          MX hosts used per domain, best preference first
     * @param addressesPerHost A/AAAA addresses used per host (A first)
     * @param endpoints        endpoints per domain in all
     */
    public record Limits(int mxHosts, int addressesPerHost, int endpoints) {
        /** The defaults of application.properties. */
        public static final Limits DEFAULT = new Limits(10, 10, 20);

        public Limits {
            if (mxHosts < 1 || addressesPerHost < 1 || endpoints < 1) {
                throw new IllegalArgumentException("DNS limits must be at least 1: " + mxHosts + "/"
                        + addressesPerHost + "/" + endpoints);
            }
        }
    }

    private final DnsLookup dns;
    private final AddressPolicy addresses;
    private final Limits limits;

    /** A resolver that forbids nothing (static routes) and uses the default limits. */
    public MxResolver(DnsLookup dns) {
        this(dns, AddressPolicy.ANY, Limits.DEFAULT);
    }

    public MxResolver(DnsLookup dns, AddressPolicy addresses, Limits limits) {
        this.dns = dns;
        this.addresses = addresses;
        this.limits = limits;
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
        String d = HostNames.normalise(domain);
        return dns.mx(d).onItemOrFailure().transformToUni((answer, failure) -> {
            if (failure != null) {
                return Uni.createFrom().item(deferred(failure, "MX", d));
            }
            if (answer.nxdomain()) {
                return Uni.createFrom().item(Route.Failure.bounce("5.1.2", notFound(d, "MX")));
            }
            if (answer.records().isEmpty()) {
                return addresses(d, List.of(new Mx(d, 0)), port, "5.1.2");
            }
            List<Mx> mxs = new ArrayList<>();
            int invalid = 0;
            for (MxRecord r : answer.records()) {
                String target = r.name() == null ? "" : HostNames.normalise(r.name());
                if (target.isEmpty()) {
                    continue;
                }
                if (hostName(target)) {
                    mxs.add(new Mx(target, r.priority()));
                } else {
                    invalid++;
                }
            }
            if (mxs.isEmpty() && invalid == 0) {
                return Uni.createFrom().item(Route.Failure.bounce("5.1.10",
                        "Domain " + d + " does not accept mail (null MX)"));
            }
            if (mxs.isEmpty()) {
                return Uni.createFrom().item(Route.Failure.bounce("5.4.4",
                        "No usable MX host for " + d + ": " + invalid + " MX target(s) not a valid host name"));
            }
            List<Mx> ordered = preferenceOrder(mxs);
            return addresses(d, ordered.subList(0, Math.min(ordered.size(), limits.mxHosts())), port, "5.4.4");
        });
    }

    /** Routes mail to {@code host} itself (no MX lookup), to {@code port}. */
    public Uni<Route> host(String host, int port) {
        if (NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host)) {
            String address = canonical(host);
            String why = addresses.forbidden(address);
            if (why != null) {
                return Uni.createFrom().item(forbidden("[" + host + "]",
                        List.of(new Forbidden(address, address, why))));
            }
            return Uni.createFrom().item(new Route.Destination(List.of(host), port,
                    List.of(new Endpoint(host, host, port, 0))));
        }
        String h = HostNames.normalise(host);
        if (!hostName(h)) {
            return Uni.createFrom().item(Route.Failure.bounce("5.4.4",
                    "No usable host: " + BoundedText.escape(BoundedText.truncate(h, 300)) + " is not a valid host name"));
        }
        return addresses(h, List.of(new Mx(h, 0)), port, "5.4.4");
    }

    /** An address the policy forbids, with its host and why. */
    private record Forbidden(String host, String address, String category) {
        @Override
        public String toString() {
            return host + "[" + address + "] (" + category + ")";
        }
    }

    private Uni<Route> addresses(String domain, List<Mx> mxs, int port, String notFoundCode) {
        List<Uni<Found>> lookups = new ArrayList<>();
        for (Mx mx : mxs) {
            Uni<Found> a = dns.a(mx.host()).map(Found::of).onFailure().recoverWithItem(Found::failed);
            Uni<Found> aaaa = dns.aaaa(mx.host()).map(Found::of).onFailure().recoverWithItem(Found::failed);
            lookups.add(Uni.combine().all().unis(a, aaaa).with(Found::plus));
        }
        return Uni.join().all(lookups).andFailFast().map(found -> {
            List<Endpoint> endpoints = new ArrayList<>();
            List<Forbidden> forbidden = new ArrayList<>();
            Set<String> seen = new LinkedHashSet<>();
            DnsTemporaryFailure temporary = null;
            for (int i = 0; i < mxs.size(); i++) {
                Mx mx = mxs.get(i);
                Found f = found.get(i);
                int used = 0;
                for (String a : f.addresses()) {
                    if (used >= limits.addressesPerHost() || endpoints.size() >= limits.endpoints()) {
                        break;
                    }
                    String address = canonical(a);
                    if (!seen.add(address)) {
                        continue;
                    }
                    used++;
                    String why = addresses.forbidden(address);
                    if (why != null) {
                        forbidden.add(new Forbidden(mx.host(), address, why));
                    } else {
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
            if (!forbidden.isEmpty()) {
                return forbidden(domain, forbidden);
            }
            return Route.Failure.bounce(notFoundCode, notFound(hosts.get(0), "A"));
        });
    }

    /** The bounce for a domain whose every address the policy forbids: 5.4.6 for ourselves, else 5.4.4. */
    private static Route.Failure forbidden(String domain, List<Forbidden> forbidden) {
        boolean self = forbidden.stream().allMatch(f -> AddressPolicy.isSelf(f.category()));
        List<Forbidden> shown = forbidden.subList(0, Math.min(forbidden.size(), 4));
        String which = shown.stream().map(Forbidden::toString).collect(Collectors.joining(", "))
                + (forbidden.size() > shown.size() ? " and " + (forbidden.size() - shown.size()) + " more" : "");
        String rule = " (not in warmwire.dns.allow-private)";
        return self
                ? Route.Failure.bounce("5.4.6", BoundedText.truncate("mail for " + domain + " loops back to myself: "
                        + which + rule, BoundedText.MAX_REASON))
                : Route.Failure.bounce("5.4.4", BoundedText.truncate("mail for " + domain
                        + " would go to a non-public address: " + which + rule, BoundedText.MAX_REASON));
    }

    /** Whether {@code name} (normalised) is a host name we will look up: RFC 1035 lengths, LDH and '_'. */
    static boolean hostName(String name) {
        if (name.isEmpty() || name.length() > MAX_NAME) {
            return false;
        }
        int label = 0;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '.') {
                if (label == 0 || name.charAt(i - 1) == '-') {
                    return false;
                }
                label = 0;
                continue;
            }
            boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'
                    || (c == '-' && label > 0);
            if (!ok || ++label > MAX_LABEL) {
                return false;
            }
        }
        return label > 0 && name.charAt(name.length() - 1) != '-';
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
}
