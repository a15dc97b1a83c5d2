package warmwire.delivery.mx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.dns.DnsResponseCode;
import io.vertx.core.Vertx;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import warmwire.contracts.outcome.Status;
import warmwire.contracts.route.Endpoint;

/** MX resolution against a real DNS server on a loopback UDP port, and a server that never answers. */
class MxResolverTest {
    private static Vertx vertx;
    private static TestDnsServer dns;
    /** Bound but never read: every query to it times out. */
    private static DatagramSocket blackHole;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        blackHole = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        dns = new TestDnsServer()
                // two MX hosts, listed worst first; each with A and AAAA
                .mx("two.test", 20, "mx2.two.test").mx("two.test", 10, "mx1.two.test")
                .a("mx1.two.test", "192.0.2.1").aaaa("mx1.two.test", "2001:db8::1")
                .a("mx2.two.test", "192.0.2.2")
                .rcode("servfail.test", DnsResponseCode.SERVFAIL)
                .rcode("refused.test", DnsResponseCode.REFUSED)
                .nullMx("nullmx.test")
                // no MX, but an address: the implicit MX (RFC 5321 section 5.1)
                .a("bare.test", "192.0.2.7")
                // exists, no MX, no address
                .exists("empty.test")
                // MX hosts: one without any address, one whose A lookup fails
                .mx("halfbroken.test", 10, "gone.halfbroken.test").mx("halfbroken.test", 20, "ok.halfbroken.test")
                .a("ok.halfbroken.test", "192.0.2.9")
                .mx("noaddr.test", 10, "gone.noaddr.test")
                .mx("tempaddr.test", 10, "flaky.tempaddr.test")
                .rcode("flaky.tempaddr.test", DnsResponseCode.SERVFAIL)
                .mx("cached.test", 10, "mx.cached.test").a("mx.cached.test", "192.0.2.10")
                .a("relay.test", "192.0.2.11");
    }

    @AfterAll
    static void stop() {
        dns.close();
        blackHole.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    private static MxResolver resolver(Duration timeout, Duration cacheTtl, InetSocketAddress... servers) {
        return new MxResolver(new DnsLookup(vertx, List.of(servers), timeout, cacheTtl, 100));
    }

    private static MxResolver resolver() {
        return resolver(Duration.ofSeconds(2), Duration.ZERO, dns.socketAddress());
    }

    private static Route mail(MxResolver r, String domain) {
        return r.mailDomain(domain, 25).await().atMost(Duration.ofSeconds(10));
    }

    private static Route.Failure failure(Route r) {
        return assertInstanceOf(Route.Failure.class, r);
    }

    @Test
    void endpointsFollowMxPreferenceThenAThenAaaa() {
        Route.Destination d = assertInstanceOf(Route.Destination.class, mail(resolver(), "two.test"));
        assertEquals(List.of("mx1.two.test", "mx2.two.test"), d.hosts());
        assertEquals(25, d.port());
        assertEquals(List.of(
                new Endpoint("mx1.two.test", "192.0.2.1", 25, 10),
                new Endpoint("mx1.two.test", "2001:db8::1", 25, 10),
                new Endpoint("mx2.two.test", "192.0.2.2", 25, 20)), d.endpoints());
    }

    @Test
    void nxdomainBounces() {
        Route.Failure f = failure(mail(resolver(), "nosuch.test"));
        assertEquals(Status.BOUNCED, f.status());
        assertEquals("5.1.2", f.enhanced());
        assertEquals("Host or domain name not found. Name service error for name=nosuch.test type=MX: "
                + "Host not found", f.reason());
        assertEquals(Status.BOUNCED, f.status());
    }

    @Test
    void servfailAndRefusedDefer() {
        for (String domain : List.of("servfail.test", "refused.test")) {
            Route.Failure f = failure(mail(resolver(), domain));
            assertEquals(Status.DEFERRED, f.status(), domain);
            assertEquals("4.4.3", f.enhanced(), domain);
            assertTrue(f.reason().contains("name=" + domain + " type=MX: Host not found, try again"), f.reason());
            assertEquals(Status.DEFERRED, f.status());
        }
        assertTrue(failure(mail(resolver(), "refused.test")).reason().contains("REFUSED"));
    }

    @Test
    void nullMxBouncesWithoutAddressLookups() {
        Route.Failure f = failure(mail(resolver(), "nullmx.test"));
        assertEquals(Status.BOUNCED, f.status());
        assertEquals("5.1.10", f.enhanced());
        assertTrue(dns.questions().stream().noneMatch(q -> q.endsWith(" nullmx.test") && !q.startsWith("MX")));
    }

    @Test
    void noMxMeansTheDomainIsItsOwnMx() {
        Route.Destination d = assertInstanceOf(Route.Destination.class, mail(resolver(), "bare.test"));
        assertEquals(List.of("bare.test"), d.hosts());
        assertEquals(List.of(new Endpoint("bare.test", "192.0.2.7", 25, 0)), d.endpoints());
    }

    @Test
    void noMxAndNoAddressBounces() {
        Route.Failure f = failure(mail(resolver(), "empty.test"));
        assertEquals(Status.BOUNCED, f.status());
        assertEquals("5.1.2", f.enhanced());
    }

    @Test
    void anMxHostWithoutAddressIsSkippedButStaysInTheSite() {
        Route.Destination d = assertInstanceOf(Route.Destination.class, mail(resolver(), "halfbroken.test"));
        assertEquals(List.of("gone.halfbroken.test", "ok.halfbroken.test"), d.hosts());
        assertEquals(List.of(new Endpoint("ok.halfbroken.test", "192.0.2.9", 25, 20)), d.endpoints());
    }

    @Test
    void mxHostsWithoutAnyAddressBounce() {
        Route.Failure f = failure(mail(resolver(), "noaddr.test"));
        assertEquals(Status.BOUNCED, f.status());
        assertEquals("5.4.4", f.enhanced());
        assertTrue(f.reason().contains("name=gone.noaddr.test type=A"), f.reason());
    }

    @Test
    void mxHostAddressLookupFailureDefers() {
        Route.Failure f = failure(mail(resolver(), "tempaddr.test"));
        assertEquals(Status.DEFERRED, f.status());
        assertEquals("4.4.3", f.enhanced());
        assertTrue(f.reason().contains("name=flaky.tempaddr.test"), f.reason());
    }

    @Test
    void timeoutDefers() {
        long t0 = System.nanoTime();
        Route.Failure f = failure(mail(resolver(Duration.ofMillis(300), Duration.ZERO,
                (InetSocketAddress) blackHole.getLocalSocketAddress()), "two.test"));
        assertEquals(Status.DEFERRED, f.status());
        assertEquals("4.4.3", f.enhanced());
        assertTrue(f.reason().contains("timeout"), f.reason());
        assertTrue(System.nanoTime() - t0 >= 250_000_000L, "answered before the timeout");
    }

    @Test
    void timeoutTriesTheNextServer() {
        Route r = mail(resolver(Duration.ofMillis(300), Duration.ZERO,
                (InetSocketAddress) blackHole.getLocalSocketAddress(), dns.socketAddress()), "two.test");
        assertEquals(List.of("mx1.two.test", "mx2.two.test"), assertInstanceOf(Route.Destination.class, r).hosts());
    }

    @Test
    void nxdomainIsNotAskedAgainOfTheNextServer() {
        Route r = mail(resolver(Duration.ofMillis(300), Duration.ZERO, dns.socketAddress(),
                (InetSocketAddress) blackHole.getLocalSocketAddress()), "nosuch2.test");
        assertEquals(Status.BOUNCED, failure(r).status());
    }

    @Test
    void answersAreCached() {
        MxResolver r = resolver(Duration.ofSeconds(2), Duration.ofMinutes(1), dns.socketAddress());
        long before = dns.questions().stream().filter(q -> q.equals("MX cached.test")).count();
        for (int i = 0; i < 3; i++) {
            assertInstanceOf(Route.Destination.class, mail(r, "cached.test"));
        }
        assertEquals(before + 1, dns.questions().stream().filter(q -> q.equals("MX cached.test")).count());
    }

    @Test
    void staticHostNeedsOnlyItsAddresses() {
        Route.Destination d = assertInstanceOf(Route.Destination.class,
                resolver().host("relay.test", 2525).await().atMost(Duration.ofSeconds(10)));
        assertEquals(List.of(new Endpoint("relay.test", "192.0.2.11", 2525, 0)), d.endpoints());
        assertTrue(dns.questions().stream().noneMatch(q -> q.equals("MX relay.test")));
    }

    @Test
    void ipLiteralNeedsNoDns() {
        Route.Destination d = assertInstanceOf(Route.Destination.class,
                resolver(Duration.ofMillis(100), Duration.ZERO, (InetSocketAddress) blackHole.getLocalSocketAddress())
                        .host("127.0.0.1", 2525).await().atMost(Duration.ofSeconds(1)));
        assertEquals(List.of("127.0.0.1"), d.hosts());
        assertEquals(List.of(new Endpoint("127.0.0.1", "127.0.0.1", 2525, 0)), d.endpoints());
    }
}
