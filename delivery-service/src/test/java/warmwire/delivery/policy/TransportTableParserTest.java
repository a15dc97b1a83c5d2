package warmwire.delivery.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TransportTableParserTest {

    private static TransportTable parse(String... lines) {
        return TransportTableParser.parse(List.of(lines), "routes");
    }

    private static RoutesFileException bad(String... lines) {
        return assertThrows(RoutesFileException.class, () -> parse(lines));
    }

    @Test
    void readsEveryNexthopForm() {
        TransportTable t = parse(
                "# static routes",
                "",
                "Literal.Example   [127.0.0.1]:2525",
                "named.example\t[Relay.Example.NET]",
                "mx.example        mx.example.org:26   # trailing comment",
                "plain.example     mx.example.org",
                "smtp.example      smtp:[192.0.2.1]:25",
                "relay.example     relay:host.example",
                "v6.example        [ipv6:2001:db8::1]:2525",
                "v6bare.example    [::1]:25",
                "own.example       smtp:",
                "   ",
                "localhost.example localhost:2525");
        assertEquals(Optional.of(new Nexthop("127.0.0.1", 2525, false)), t.lookup("literal.example"));
        assertEquals(Optional.of(new Nexthop("relay.example.net", 0, false)), t.lookup("NAMED.example"));
        assertEquals(Optional.of(new Nexthop("mx.example.org", 26, true)), t.lookup("mx.example"));
        assertEquals(Optional.of(new Nexthop("mx.example.org", 0, true)), t.lookup("plain.example"));
        assertEquals(Optional.of(new Nexthop("192.0.2.1", 25, false)), t.lookup("smtp.example"));
        assertEquals(Optional.of(new Nexthop("host.example", 0, true)), t.lookup("relay.example"));
        assertEquals(Optional.of(new Nexthop("2001:db8::1", 2525, false)), t.lookup("v6.example"));
        assertEquals(Optional.of(new Nexthop("::1", 25, false)), t.lookup("v6bare.example"));
        assertEquals(Optional.of(new Nexthop(null, 0, true)), t.lookup("own.example"));
        assertEquals(Optional.of(new Nexthop("localhost", 2525, true)), t.lookup("localhost.example"));
        assertEquals(10, t.size());
        assertEquals(2525, t.lookup("literal.example").get().portOr(25));
        assertEquals(25, t.lookup("named.example").get().portOr(25));
    }

    @Test
    void exactDomainsDoNotMatchSubdomainsButDotPatternsDo() {
        TransportTable t = parse("example.com [192.0.2.1]", ".example.com [192.0.2.2]", ".sub.example.com [192.0.2.3]");
        assertEquals("192.0.2.1", t.lookup("example.com").get().host());
        assertEquals("192.0.2.2", t.lookup("a.example.com").get().host());
        assertEquals("192.0.2.2", t.lookup("b.a.example.com").get().host());
        assertEquals("192.0.2.3", t.lookup("x.sub.example.com").get().host());
        assertEquals("192.0.2.2", t.lookup("sub.example.com").get().host());
        assertEquals(Optional.empty(), t.lookup("example.net"));
        assertEquals(Optional.empty(), t.lookup("notexample.com"));
        assertEquals(Optional.empty(), parse("example.com [192.0.2.1]").lookup("a.example.com"));
    }

    @Test
    void starMatchesWhatNothingElseDoes() {
        TransportTable t = parse("*  [127.0.0.1]:2525", "example.com  [192.0.2.1]");
        assertEquals("192.0.2.1", t.lookup("example.com.").get().host());
        assertEquals("127.0.0.1", t.lookup("anything.test").get().host());
    }

    @Test
    void continuationLinesJoinThePreviousLine() {
        TransportTable t = parse("example.com", "    [192.0.2.1]:2525");
        assertEquals(Optional.of(new Nexthop("192.0.2.1", 2525, false)), t.lookup("example.com"));
    }

    @Test
    void badLinesNameTheLine() {
        RoutesFileException e = bad("# ok", "good.example [127.0.0.1]:25", "bad.example");
        assertEquals(3, e.lineNumber());
        assertTrue(e.getMessage().startsWith("routes file routes line 3: "), e.getMessage());
        assertTrue(e.getMessage().contains("'bad.example'"), e.getMessage());
    }

    @Test
    void rejectsMalformedEntries() {
        assertTrue(bad("a.example [127.0.0.1]:99999").getMessage().contains("port out of range"));
        assertTrue(bad("a.example [127.0.0.1]:").getMessage().contains("bad port"));
        assertTrue(bad("a.example [127.0.0.1]x").getMessage().contains("bad port"));
        assertTrue(bad("a.example [127.0.0.1:25").getMessage().contains("missing ']'"));
        assertTrue(bad("a.example 127.0.0.1:25").getMessage().contains("needs brackets"));
        assertTrue(bad("a.example error:nope").getMessage().contains("unsupported transport 'error'"));
        assertTrue(bad("a.example discard:").getMessage().contains("unsupported transport"));
        assertTrue(bad("a.example [a],[b]").getMessage().contains("lists of nexthops"));
        assertTrue(bad("a.example [ipv6:zz::1]").getMessage().contains("bad IPv6"));
        assertTrue(bad("a.example [bad_host-.x]").getMessage().contains("bad host"));
        assertTrue(bad("a..example [127.0.0.1]").getMessage().contains("bad domain"));
        assertTrue(bad("user@a.example [127.0.0.1]").getMessage().contains("only domain keys"));
        assertTrue(bad("a.example [127.0.0.1] extra").getMessage().contains("3 fields"));
        assertTrue(bad("  [127.0.0.1]").getMessage().contains("continuation"));
        RoutesFileException dup = bad("a.example [127.0.0.1]", "A.example. [127.0.0.2]");
        assertEquals(2, dup.lineNumber());
        assertTrue(dup.getMessage().contains("first on line 1"), dup.getMessage());
    }

    @Test
    void emptyFileIsAnEmptyTable() {
        assertEquals(0, parse("# nothing", "").size());
        assertEquals(Optional.empty(), parse().lookup("example.com"));
    }
}
