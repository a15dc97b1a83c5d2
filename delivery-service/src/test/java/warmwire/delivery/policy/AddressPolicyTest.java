package warmwire.delivery.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which addresses from DNS or an address literal may be used, with and without an allow-list. */
class AddressPolicyTest {
    private static final AddressPolicy STRICT = AddressPolicy.of(List.of());

    @Test
    void nonPublicIpv4RangesAreForbiddenWithTheirCategory() {
        assertEquals("unspecified", STRICT.forbidden("0.0.0.0"));
        assertEquals("loopback", STRICT.forbidden("127.0.0.1"));
        assertEquals("loopback", STRICT.forbidden("127.255.255.254"));
        assertEquals("private", STRICT.forbidden("10.255.255.1"));
        assertEquals("private", STRICT.forbidden("172.16.0.1"));
        assertEquals("private", STRICT.forbidden("172.31.255.255"));
        assertEquals("private", STRICT.forbidden("192.168.1.1"));
        assertEquals("shared (RFC 6598)", STRICT.forbidden("100.64.0.1"));
        assertEquals("link-local", STRICT.forbidden("169.254.169.254"));
        assertEquals("documentation", STRICT.forbidden("192.0.2.1"));
        assertEquals("documentation", STRICT.forbidden("198.51.100.7"));
        assertEquals("documentation", STRICT.forbidden("203.0.113.9"));
        assertEquals("reserved", STRICT.forbidden("198.19.0.1"));
        assertEquals("multicast", STRICT.forbidden("224.0.0.1"));
        assertEquals("multicast", STRICT.forbidden("239.255.255.250"));
        assertEquals("reserved", STRICT.forbidden("255.255.255.255"));
    }

    @Test
    void publicIpv4AddressesNextToTheRangesAreAllowed() {
        for (String a : List.of("8.8.8.8", "172.15.255.255", "172.32.0.0", "100.63.255.255", "100.128.0.0",
                "192.0.3.1", "11.0.0.1", "126.255.255.255", "128.0.0.1", "223.255.255.255", "198.20.0.1")) {
            assertNull(STRICT.forbidden(a), a);
        }
    }

    @Test
    void nonPublicIpv6RangesAreForbidden() {
        assertEquals("unspecified", STRICT.forbidden("::"));
        assertEquals("loopback", STRICT.forbidden("::1"));
        assertEquals("unique-local", STRICT.forbidden("fd12:3456::1"));
        assertEquals("unique-local", STRICT.forbidden("fc00::1"));
        assertEquals("link-local", STRICT.forbidden("fe80::1"));
        assertEquals("site-local", STRICT.forbidden("fec0::1"));
        assertEquals("multicast", STRICT.forbidden("ff02::1"));
        assertEquals("documentation", STRICT.forbidden("2001:db8::25"));
        assertEquals("documentation", STRICT.forbidden("3fff::1"));
        assertEquals("reserved", STRICT.forbidden("100::1"));
        assertEquals("private", STRICT.forbidden("::10.0.0.1"), "Netty reads it as the IPv4 address");
        assertNull(STRICT.forbidden("2a00:1450:4001:80b::201a"));
        assertNull(STRICT.forbidden("2606:4700::1111"));
    }

    @Test
    void ipv4MappedAndNat64AddressesAreJudgedAsTheirIpv4() {
        assertEquals("private", STRICT.forbidden("::ffff:10.0.0.1"));
        assertEquals("loopback", STRICT.forbidden("::ffff:127.0.0.1"));
        assertEquals("link-local", STRICT.forbidden("64:ff9b::a9fe:101"));
        assertNull(STRICT.forbidden("::ffff:8.8.8.8"));
        assertNull(STRICT.forbidden("64:ff9b::808:808"));
        AddressPolicy loopback = AddressPolicy.of(List.of("127.0.0.0/8"));
        assertNull(loopback.forbidden("::ffff:127.0.0.1"), "the allow-list covers the mapped address too");
    }

    @Test
    void theAllowListCoversOnlyItsOwnPrefix() {
        AddressPolicy p = AddressPolicy.of(List.of("127.0.0.0/8", " 10.1.0.0/16 ", "fd00::/8", ""));
        assertNull(p.forbidden("127.0.0.1"));
        assertNull(p.forbidden("127.9.9.9"));
        assertNull(p.forbidden("10.1.200.3"));
        assertEquals("private", p.forbidden("10.2.0.1"));
        assertNull(p.forbidden("fd00::25"));
        assertEquals("unique-local", p.forbidden("fc00::25"));
        assertEquals("loopback", p.forbidden("::1"), "an IPv4 prefix never covers IPv6");
        assertEquals(List.of("127.0.0.0/8", "10.1.0.0/16", "fd00::/8"), p.allowList());
    }

    @Test
    void aBareAddressIsASingleHostPrefix() {
        AddressPolicy p = AddressPolicy.of(List.of("10.0.0.5"));
        assertNull(p.forbidden("10.0.0.5"));
        assertEquals("private", p.forbidden("10.0.0.6"));
    }

    @Test
    void badCidrsAreRefused() {
        for (String bad : List.of("10.0.0.0/33", "::/129", "10.0.0/8", "example.com", "10.0.0.0/x", "10.0.0.0/-1")) {
            assertThrows(IllegalArgumentException.class, () -> AddressPolicy.of(List.of(bad)), bad);
        }
    }

    @Test
    void anyAllowsEverythingButNonAddresses() {
        assertNull(AddressPolicy.ANY.forbidden("127.0.0.1"));
        assertNull(AddressPolicy.ANY.forbidden("::1"));
        assertNull(AddressPolicy.ANY.forbidden("10.0.0.1"));
        assertEquals("not an IP address", AddressPolicy.ANY.forbidden("mx.example"));
        assertEquals("not an IP address", STRICT.forbidden("999.1.1.1"));
    }

    @Test
    void selfMeansLoopbackOrUnspecified() {
        assertTrue(AddressPolicy.isSelf("loopback"));
        assertTrue(AddressPolicy.isSelf("unspecified"));
        assertFalse(AddressPolicy.isSelf("private"));
    }
}
