package warmwire.delivery.mx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.dns.DnsResponseCode;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import warmwire.contracts.outcome.Status;
import warmwire.contracts.route.Endpoint;
import warmwire.delivery.policy.AddressPolicy;

/** Non-public addresses from DNS and address literals, and the bounds on what one DNS answer makes us use. */
class MxPolicyTest {
    private static Vertx vertx;
    private static TestDnsServer dns;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        dns = new TestDnsServer()
                .mx("private.test", 10, "mx.private.test").a("mx.private.test", "10.255.255.1")
                .mx("self.test", 10, "mx.self.test").a("mx.self.test", "127.0.0.1").aaaa("mx.self.test", "::1")
                .mx("zero.test", 10, "mx.zero.test").a("mx.zero.test", "0.0.0.0")
                .mx("mcast.test", 10, "mx.mcast.test").a("mx.mcast.test", "224.0.0.1")
                .mx("mapped.test", 10, "mx.mapped.test").aaaa("mx.mapped.test", "::ffff:10.0.0.1")
                // a forbidden best MX and a public second one: the second is used
                .mx("mixed.test", 10, "inner.mixed.test").mx("mixed.test", 20, "outer.mixed.test")
                .a("inner.mixed.test", "192.168.0.25").a("outer.mixed.test", "8.8.4.4")
                // one host with a public and a link-local address: only the public one is an endpoint
                .mx("half.test", 10, "mx.half.test").a("mx.half.test", "169.254.0.1").a("mx.half.test", "9.9.9.9")
                // a forbidden MX host beside one whose lookup fails: deferred, the other may recover
                .mx("mixtemp.test", 10, "inner.mixtemp.test").mx("mixtemp.test", 20, "flaky.mixtemp.test")
                .a("inner.mixtemp.test", "10.0.0.9").rcode("flaky.mixtemp.test", DnsResponseCode.SERVFAIL)
                .mx("badname.test", 10, "bad name!.badname.test")
                .mx("somebad.test", 10, "-bad.somebad.test").mx("somebad.test", 20, "ok.somebad.test")
                .a("ok.somebad.test", "8.8.8.8");
        for (int i = 0; i < 15; i++) {
            dns.mx("many.test", i, "mx" + i + ".many.test").a("mx" + i + ".many.test", "1.1.1." + (i + 1));
        }
        for (int i = 1; i <= 12; i++) {
            dns.a("wide.many.test", "2.2.2." + i);
        }
        dns.mx("wide.test", 10, "wide.many.test");
    }

    @AfterAll
    static void stop() {
        dns.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    private static MxResolver resolver(AddressPolicy policy, MxResolver.Limits limits) {
        return new MxResolver(new DnsLookup(vertx, List.of(dns.socketAddress()), Duration.ofSeconds(2),
                Duration.ZERO, 100), policy, limits);
    }

    private static MxResolver strict() {
        return resolver(AddressPolicy.of(List.of()), MxResolver.Limits.DEFAULT);
    }

    private static Route mail(MxResolver r, String domain) {
        return r.mailDomain(domain, 25).await().atMost(Duration.ofSeconds(10));
    }

    private static Route.Failure bounce(Route r, String enhanced) {
        Route.Failure f = assertInstanceOf(Route.Failure.class, r);
        assertEquals(Status.BOUNCED, f.status(), f.reason());
        assertEquals(enhanced, f.enhanced(), f.reason());
        return f;
    }

    @Test
    void aPrivateMxBouncesNamingHostAddressAndCategory() {
        Route.Failure f = bounce(mail(strict(), "private.test"), "5.4.4");
        assertEquals("mail for private.test would go to a non-public address: mx.private.test[10.255.255.1] "
                + "(private) (not in warmwire.dns.allow-private)", f.reason());
    }

    @Test
    void loopbackAndUnspecifiedMxLoopBackToMyself() {
        Route.Failure f = bounce(mail(strict(), "self.test"), "5.4.6");
        assertTrue(f.reason().startsWith("mail for self.test loops back to myself: mx.self.test[127.0.0.1] (loopback), "
                + "mx.self.test[::1] (loopback)"), f.reason());
        bounce(mail(strict(), "zero.test"), "5.4.6");
    }

    @Test
    void multicastAndMappedPrivateBounce() {
        assertTrue(bounce(mail(strict(), "mcast.test"), "5.4.4").reason().contains("(multicast)"));
        assertTrue(bounce(mail(strict(), "mapped.test"), "5.4.4").reason().contains("(private)"));
    }

    @Test
    void aForbiddenMxIsSkippedLikeAnUnusableOne() {
        Route.Destination d = assertInstanceOf(Route.Destination.class, mail(strict(), "mixed.test"));
        assertEquals(List.of("inner.mixed.test", "outer.mixed.test"), d.hosts(), "the site keeps both hosts");
        assertEquals(List.of(new Endpoint("outer.mixed.test", "8.8.4.4", 25, 20)), d.endpoints());
        Route.Destination h = assertInstanceOf(Route.Destination.class, mail(strict(), "half.test"));
        assertEquals(List.of(new Endpoint("mx.half.test", "9.9.9.9", 25, 10)), h.endpoints());
    }

    @Test
    void aForbiddenMxBesideATemporaryFailureDefers() {
        Route.Failure f = assertInstanceOf(Route.Failure.class, mail(strict(), "mixtemp.test"));
        assertEquals(Status.DEFERRED, f.status());
        assertEquals("4.4.3", f.enhanced());
    }

    @Test
    void theAllowListLetsItsAddressesThrough() {
        MxResolver r = resolver(AddressPolicy.of(List.of("127.0.0.0/8", "10.0.0.0/8")), MxResolver.Limits.DEFAULT);
        Route.Destination d = assertInstanceOf(Route.Destination.class, mail(r, "private.test"));
        assertEquals(List.of(new Endpoint("mx.private.test", "10.255.255.1", 25, 10)), d.endpoints());
        Route.Destination self = assertInstanceOf(Route.Destination.class, mail(r, "self.test"));
        assertEquals(List.of(new Endpoint("mx.self.test", "127.0.0.1", 25, 10)), self.endpoints(),
                "::1 is not in the list");
    }

    @Test
    void anAddressLiteralIsJudgedToo() {
        Route.Failure f = bounce(strict().host("10.0.0.1", 25).await().atMost(Duration.ofSeconds(5)), "5.4.4");
        assertTrue(f.reason().contains("[10.0.0.1]"), f.reason());
        bounce(strict().host("::1", 25).await().atMost(Duration.ofSeconds(5)), "5.4.6");
        assertInstanceOf(Route.Destination.class, strict().host("8.8.8.8", 25).await().atMost(Duration.ofSeconds(5)));
    }

    @Test
    void aResolverWithoutPolicyAllowsEverything() {
        MxResolver routed = resolver(AddressPolicy.ANY, MxResolver.Limits.DEFAULT);
        assertInstanceOf(Route.Destination.class, mail(routed, "private.test"));
        assertInstanceOf(Route.Destination.class, routed.host("127.0.0.1", 25).await().atMost(Duration.ofSeconds(5)));
    }

    @Test
    void onlyTheBestMxHostsAreUsed() {
        Route.Destination d = assertInstanceOf(Route.Destination.class,
                mail(resolver(AddressPolicy.of(List.of()), new MxResolver.Limits(3, 10, 20)), "many.test"));
        assertEquals(List.of("mx0.many.test", "mx1.many.test", "mx2.many.test"), d.hosts());
        assertEquals(3, d.endpoints().size());
        Route.Destination all = assertInstanceOf(Route.Destination.class, mail(strict(), "many.test"));
        assertEquals(10, all.hosts().size(), "default: 10 MX hosts");
        assertEquals("mx9.many.test", all.hosts().get(9));
    }

    @Test
    void addressesPerHostAndEndpointsAreBounded() {
        Route.Destination d = assertInstanceOf(Route.Destination.class,
                mail(resolver(AddressPolicy.of(List.of()), new MxResolver.Limits(10, 4, 20)), "wide.test"));
        assertEquals(4, d.endpoints().size());
        Route.Destination e = assertInstanceOf(Route.Destination.class,
                mail(resolver(AddressPolicy.of(List.of()), new MxResolver.Limits(10, 10, 5)), "many.test"));
        assertEquals(5, e.endpoints().size());
        assertEquals(10, e.hosts().size(), "the site keeps its hosts");
    }

    @Test
    void mxTargetsThatAreNoHostNamesAreLeftOut() {
        bounce(mail(strict(), "badname.test"), "5.4.4");
        Route.Destination d = assertInstanceOf(Route.Destination.class, mail(strict(), "somebad.test"));
        assertEquals(List.of("ok.somebad.test"), d.hosts());
    }

    @Test
    void hostNameRules() {
        assertTrue(MxResolver.hostName("mx1.example.com"));
        assertTrue(MxResolver.hostName("_dmarc.example.com"));
        assertTrue(MxResolver.hostName("a-b.c"));
        assertFalse(MxResolver.hostName("-a.c"));
        assertFalse(MxResolver.hostName("a-.c"));
        assertFalse(MxResolver.hostName("a..c"));
        assertFalse(MxResolver.hostName("a b.c"));
        assertFalse(MxResolver.hostName("a\r\nb.c"));
        assertFalse(MxResolver.hostName("x".repeat(64) + ".c"));
        assertTrue(MxResolver.hostName("x".repeat(63) + ".c"));
        assertFalse(MxResolver.hostName(("x".repeat(60) + ".").repeat(5) + "c"));
    }
}
