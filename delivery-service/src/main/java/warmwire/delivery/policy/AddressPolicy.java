package warmwire.delivery.policy;

import io.netty.util.NetUtil;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * NAME
 *   AddressPolicy - which IP addresses from DNS or an address literal mail may be delivered to.
 * SYNOPSIS
 *   AddressPolicy p = AddressPolicy.of(List.of("127.0.0.0/8"));
 *   String why = p.forbidden("10.0.0.1");   // "private", or null when the address may be used
 * DESCRIPTION
 *   Addresses that are not globally reachable unicast are forbidden unless a CIDR of the
 *   allow-list ({@code warmwire.dns.allow-private}) covers them: a remote party that controls
 *   its own DNS (or writes {@code user@[10.0.0.1]}) must not make Warmwire connect to our own
 *   loopback, the operator's internal networks or a multicast group. The forbidden ranges are
 *   those of the IANA special-purpose registries (RFC 6890 and successors) that are not
 *   forwardable on the internet:
 *   <ul>
 *   <li>IPv4: 0.0.0.0/8 unspecified, 127.0.0.0/8 loopback, 10.0.0.0/8, 172.16.0.0/12,
 *       192.168.0.0/16 private (RFC 1918), 100.64.0.0/10 shared (RFC 6598), 169.254.0.0/16
 *       link-local, 192.0.0.0/24 IETF protocol assignments, 192.0.2.0/24, 198.51.100.0/24,
 *       203.0.113.0/24 documentation, 198.18.0.0/15 benchmarking, 192.88.99.0/24 6to4 relay
 *       anycast (deprecated), 224.0.0.0/4 multicast, 240.0.0.0/4 reserved and broadcast.</li>
 *   <li>IPv6: ::/128 unspecified, ::1/128 loopback, ::/96 IPv4-compatible (deprecated),
 *       100::/64 discard, 2001:db8::/32 and 3fff::/20 documentation, 2001::/23 IETF protocol
 *       assignments, 64:ff9b:1::/48 local-use NAT64, fc00::/7 unique-local, fe80::/10
 *       link-local, fec0::/10 site-local (deprecated), ff00::/8 multicast. An IPv4-mapped
 *       (::ffff:0:0/96) or well-known NAT64 (64:ff9b::/96) address is judged, and matched
 *       against the allow-list, as the IPv4 address it carries.</li>
 *   </ul>
 *   {@link #ANY} forbids nothing: routes the operator wrote in the routes file are the
 *   operator's choice and are always allowed.
 */
public final class AddressPolicy {
    /** Forbids nothing (static routes). */
    public static final AddressPolicy ANY = new AddressPolicy(List.of(), List.of(new Cidr(new byte[4], 0),
            new Cidr(new byte[16], 0)));

    private static final List<Range> FORBIDDEN = List.of(
            range("0.0.0.0/8", "unspecified"),
            range("127.0.0.0/8", "loopback"),
            range("10.0.0.0/8", "private"),
            range("172.16.0.0/12", "private"),
            range("192.168.0.0/16", "private"),
            range("100.64.0.0/10", "shared (RFC 6598)"),
            range("169.254.0.0/16", "link-local"),
            range("192.0.0.0/24", "reserved"),
            range("192.0.2.0/24", "documentation"),
            range("198.51.100.0/24", "documentation"),
            range("203.0.113.0/24", "documentation"),
            range("198.18.0.0/15", "reserved"),
            range("192.88.99.0/24", "reserved"),
            range("224.0.0.0/4", "multicast"),
            range("240.0.0.0/4", "reserved"),
            range("::/128", "unspecified"),
            range("::1/128", "loopback"),
            range("::/96", "reserved"),
            range("100::/64", "reserved"),
            range("2001:db8::/32", "documentation"),
            range("3fff::/20", "documentation"),
            range("2001::/23", "reserved"),
            range("64:ff9b:1::/48", "private"),
            range("fc00::/7", "unique-local"),
            range("fe80::/10", "link-local"),
            range("fec0::/10", "site-local"),
            range("ff00::/8", "multicast"));

    private final List<Cidr> allowed;
    private final List<Cidr> allowAll;

    private AddressPolicy(List<Cidr> allowed, List<Cidr> allowAll) {
        this.allowed = List.copyOf(allowed);
        this.allowAll = allowAll;
    }

    /** A policy that allows the forbidden ranges only where one of {@code cidrs} covers them. */
    public static AddressPolicy of(List<String> cidrs) {
        List<Cidr> list = new ArrayList<>();
        for (String c : cidrs) {
            if (!c.isBlank()) {
                list.add(Cidr.parse(c.trim()));
            }
        }
        return new AddressPolicy(list, List.of());
    }

    /** The allow-list as CIDR text, for the startup log. */
    public List<String> allowList() {
        return allowed.stream().map(Cidr::toString).toList();
    }

    /**
     * Why {@code address} may not be used ("loopback", "private", "link-local", "multicast",
     * "unspecified", "documentation", "reserved", "unique-local", ...), or null when it may. Text
     * that is not an IP address is forbidden as "not an IP address".
     */
    public String forbidden(String address) {
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address);
        if (bytes == null) {
            return "not an IP address";
        }
        bytes = embeddedIpv4(bytes);
        for (Cidr c : allowAll) {
            if (c.contains(bytes)) {
                return null;
            }
        }
        for (Range r : FORBIDDEN) {
            if (r.cidr.contains(bytes)) {
                for (Cidr a : allowed) {
                    if (a.contains(bytes)) {
                        return null;
                    }
                }
                return r.category;
            }
        }
        return null;
    }

    /** Whether {@code category} (an answer of {@link #forbidden}) means "this very host". */
    public static boolean isSelf(String category) {
        return "loopback".equals(category) || "unspecified".equals(category);
    }

    /** The IPv4 address inside an IPv4-mapped or well-known-prefix NAT64 address, else {@code bytes}. */
    private static byte[] embeddedIpv4(byte[] bytes) {
        if (bytes.length != 16) {
            return bytes;
        }
        boolean mapped = true;
        for (int i = 0; i < 10; i++) {
            mapped &= bytes[i] == 0;
        }
        mapped &= bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
        byte[] nat64 = {0, 0x64, (byte) 0xff, (byte) 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
        boolean translated = Arrays.equals(bytes, 0, 12, nat64, 0, 12);
        return mapped || translated ? Arrays.copyOfRange(bytes, 12, 16) : bytes;
    }

    private static Range range(String cidr, String category) {
        return new Range(Cidr.parse(cidr), category);
    }

    private record Range(Cidr cidr, String category) {
    }

    /** An address prefix: {@code 10.0.0.0/8}, {@code fc00::/7}; a bare address is a /32 or /128. */
    public record Cidr(byte[] network, int bits) {

        /** Parses {@code address[/bits]}; throws IllegalArgumentException on anything else. */
        public static Cidr parse(String text) {
            int slash = text.indexOf('/');
            String address = slash < 0 ? text : text.substring(0, slash);
            byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address);
            if (bytes == null) {
                throw new IllegalArgumentException("not a CIDR (address/bits): " + text);
            }
            int bits = bytes.length * 8;
            if (slash >= 0) {
                try {
                    bits = Integer.parseInt(text.substring(slash + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("not a CIDR (address/bits): " + text);
                }
                if (bits < 0 || bits > bytes.length * 8) {
                    throw new IllegalArgumentException("prefix length out of range: " + text);
                }
            }
            return new Cidr(mask(bytes, bits), bits);
        }

        /** Whether {@code address} (4 or 16 bytes) lies in this prefix; never across families. */
        public boolean contains(byte[] address) {
            return address.length == network.length && Arrays.equals(mask(address, bits), network);
        }

        private static byte[] mask(byte[] bytes, int bits) {
            byte[] m = bytes.clone();
            for (int i = 0; i < m.length; i++) {
                int keep = Math.max(0, Math.min(8, bits - i * 8));
                m[i] &= (byte) (0xff << (8 - keep));
            }
            return m;
        }

        @Override
        public String toString() {
            try {
                return NetUtil.toAddressString(java.net.InetAddress.getByAddress(network)) + "/" + bits;
            } catch (java.net.UnknownHostException e) {
                return Arrays.toString(network) + "/" + bits;
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Cidr c && c.bits == bits && Arrays.equals(c.network, network);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(network) + bits;
        }
    }
}
