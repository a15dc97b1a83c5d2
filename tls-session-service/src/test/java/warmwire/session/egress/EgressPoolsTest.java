package warmwire.session.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import warmwire.session.conn.Source;

class EgressPoolsTest {
    private static final List<Source> SOURCES = List.of(new Source("a", "192.0.2.1", "a.example"),
            new Source("b", "192.0.2.2", null), new Source("v6", "2001:db8::25", null));

    private static String names(EgressPools p, String site, String tenant, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Source s = p.choose(site, tenant);
            out.add(s == null ? "-" : s.name());
        }
        return String.join("", out);
    }

    @Test
    void weightsGiveTheirRatioOverEveryStretchInterleaved() {
        EgressPools p = EgressPools.of(SOURCES, Map.of("warm", List.of("a:3", "b:1")), "warm", Map.of(), Map.of());
        assertEquals("aaba".repeat(4), names(p, "mx.example.com:25/may", null, 16),
                "3 of a for each b, in every 4 jobs");
        String many = names(p, null, null, 400);
        assertEquals(300, many.chars().filter(c -> c == 'a').count());
    }

    @Test
    void theSitesPoolWinsOverTheTenantsWhichWinsOverTheDefault() {
        EgressPools p = EgressPools.of(SOURCES, Map.of("pa", List.of("a"), "pb", List.of("b"), "p6", List.of("v6")), "pa",
                Map.of("t1", "pb"), Map.of("mx.special.example", "p6"));
        assertEquals("v6", p.choose("mx.special.example:25/may", "t1").name(), "by one of the site's MX hosts");
        assertEquals("b", p.choose("mx.other.example:25/may", "t1").name());
        assertEquals("a", p.choose("mx.other.example:25/may", "t2").name());
        assertEquals("a", p.choose(null, null).name());
        assertNull(EgressPools.none().choose("mx.other.example:25/may", "t1"), "no pools: the system's address");
        assertNull(EgressPools.of(SOURCES, Map.of("pb", List.of("b")), null, Map.of("t1", "pb"), Map.of())
                .choose("mx.other.example:25/may", "t2"), "no default pool: the system's address");
    }

    @Test
    void aSourceIsOneAddressLiteralAndReachesTheEndpointsOfItsFamily() {
        for (String bad : List.of("cafe", "beef", "1.2", "0.0.0.0", "::", "224.0.0.1", "ff02::1", "mail.example", "256.1.1.1")) {
            assertThrows(IllegalArgumentException.class, () -> new Source("s", bad, null), bad);
        }
        Source v4 = new Source("v4", "192.0.2.1", null);
        Source v6 = new Source("v6", "2001:db8::25", null);
        var e4 = new warmwire.contracts.route.Endpoint("mx.example", "192.0.2.25", 25, 10);
        var e6 = new warmwire.contracts.route.Endpoint("mx.example", "2001:db8::26", 25, 10);
        assertEquals(List.of(e4), v4.reachable(List.of(e4, e6)));
        assertEquals(List.of(e6), v6.reachable(List.of(e4, e6)));
        assertEquals(List.of(), v6.reachable(List.of(e4)));
        assertEquals("IPv6", v6.family());
    }

    @Test
    void whatDoesNotExistStopsTheStart() {
        assertEquals("warmwire.egress.pools.p: no source c (sources: [a, b, v6])", assertThrows(IllegalArgumentException.class,
                () -> EgressPools.of(SOURCES, Map.of("p", List.of("a", "c")), null, Map.of(), Map.of())).getMessage());
        assertEquals("warmwire.egress.pools.p: the weight of a must be 1..1000: a:0", assertThrows(IllegalArgumentException.class,
                () -> EgressPools.of(SOURCES, Map.of("p", List.of("a:0")), null, Map.of(), Map.of())).getMessage());
        assertEquals("warmwire.egress.default-pool: no pool q (pools: [p])", assertThrows(IllegalArgumentException.class,
                () -> EgressPools.of(SOURCES, Map.of("p", List.of("a")), "q", Map.of(), Map.of())).getMessage());
        assertEquals("warmwire.egress.tenant-pools.t: no pool q (pools: [p])", assertThrows(IllegalArgumentException.class,
                () -> EgressPools.of(SOURCES, Map.of("p", List.of("a")), null, Map.of("t", "q"), Map.of())).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Source("a", "mail.example", null), "an IP literal, not a name");
    }
}
