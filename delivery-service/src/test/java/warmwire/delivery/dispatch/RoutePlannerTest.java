package warmwire.delivery.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import warmwire.contracts.mail.PolicySource;
import warmwire.contracts.mail.QueuedMessage;
import warmwire.contracts.mail.TlsLevel;
import warmwire.contracts.outcome.DeliveryOutcome;
import warmwire.contracts.outcome.RecipientResult;
import warmwire.contracts.outcome.Status;
import warmwire.contracts.route.DeliveryJob;
import warmwire.contracts.route.Endpoint;
import warmwire.contracts.tlsrpt.TlsPolicyRef;
import warmwire.contracts.tlsrpt.TlsResult;
import warmwire.delivery.mx.Route;

class RoutePlannerTest {
    private static final Instant SUBMITTED = Instant.parse("2026-11-28T10:00:00Z");
    private static final Instant STARTED = Instant.parse("2026-11-28T10:00:01Z");
    private static final Instant ROUTED = Instant.parse("2026-11-28T10:00:01.250Z");

    private static final Route SHARED_A = new Route.Destination(List.of("mx2.hoster.test", "MX1.hoster.test."), 25,
            List.of(new Endpoint("mx1.hoster.test", "192.0.2.1", 25, 10),
                    new Endpoint("mx2.hoster.test", "192.0.2.2", 25, 20)));
    private static final Route SHARED_B = new Route.Destination(List.of("mx1.hoster.test", "mx2.hoster.test"), 25,
            List.of(new Endpoint("mx2.hoster.test", "192.0.2.2", 25, 5)));
    private static final Route OTHER = new Route.Destination(List.of("127.0.0.1"), 2525,
            List.of(new Endpoint("127.0.0.1", "127.0.0.1", 2525, 0)));

    private static QueuedMessage message(TlsLevel tls, String... rcpts) {
        return new QueuedMessage("m1", "sender@src.test", List.of(rcpts), "Hi".getBytes(), tls, null, null, null, 2, SUBMITTED);
    }

    private static Plan plan(QueuedMessage m, Map<String, Route> routes) {
        return RoutePlanner.plan(m, routes, TlsLevel.MAY, STARTED, ROUTED);
    }

    @Test
    void domainsSharingAnMxSetShareOneJob() {
        Plan p = plan(message(TlsLevel.ENCRYPT, "a@one.test", "b@other.test", "c@two.test", "d@ONE.test"),
                Map.of("one.test", SHARED_A, "two.test", SHARED_B, "other.test", OTHER));
        assertEquals(2, p.jobs().size());
        DeliveryJob shared = p.jobs().get(0);
        assertEquals("mx1.hoster.test,mx2.hoster.test:25/encrypt", shared.site().key());
        assertEquals("m1/2/mx1.hoster.test,mx2.hoster.test:25/encrypt", shared.jobId());
        assertEquals(List.of("a@one.test", "c@two.test", "d@ONE.test"), shared.recipients());
        assertEquals(((Route.Destination) SHARED_A).endpoints(), shared.endpoints());
        assertEquals(TlsLevel.ENCRYPT, shared.tls());
        assertEquals("m1", shared.messageId());
        assertEquals("sender@src.test", shared.from());
        assertEquals("Hi", new String(shared.content()));
        assertEquals(2, shared.attempt());
        assertEquals(SUBMITTED, shared.submittedAt());
        assertEquals(ROUTED, shared.routedAt());
        assertEquals(0.25, shared.routeSeconds(), 1e-9);
        DeliveryJob other = p.jobs().get(1);
        assertEquals("127.0.0.1:2525/encrypt", other.site().key());
        assertEquals(List.of("b@other.test"), other.recipients());
        assertNull(p.outcome());
    }

    @Test
    void aSiteWhoseHostsAllBelongToAProviderNamesItAndIsKeyedByIt() {
        Route gmail = new Route.Destination(List.of("gmail-smtp-in.l.google.com", "alt1.gmail-smtp-in.l.google.com"), 25,
                List.of(new Endpoint("gmail-smtp-in.l.google.com", "192.0.2.30", 25, 5)));
        Route workspace = new Route.Destination(List.of("aspmx.l.google.com", "alt1.aspmx.l.google.com"), 25,
                List.of(new Endpoint("aspmx.l.google.com", "192.0.2.31", 25, 1)));
        Route mixed = new Route.Destination(List.of("aspmx.l.google.com", "backup.mixed.test"), 25,
                List.of(new Endpoint("aspmx.l.google.com", "192.0.2.31", 25, 1)));
        Plan p = RoutePlanner.plan(message(TlsLevel.MAY, "a@gmail.test", "b@work.test", "c@mixed.test"),
                Map.of("gmail.test", gmail, "work.test", workspace, "mixed.test", mixed), TlsLevel.MAY, d -> List.of(),
                warmwire.contracts.shape.Providers.presets(), STARTED, ROUTED);
        assertEquals(3, p.jobs().size(), "two sites of one provider are still two sites");
        assertEquals("google", p.jobs().get(0).site().provider());
        assertEquals("provider:google", p.jobs().get(0).site().shardKey());
        assertEquals("provider:google", p.jobs().get(1).site().shardKey(), "one shard for both");
        assertEquals("alt1.aspmx.l.google.com,aspmx.l.google.com:25/may", p.jobs().get(1).site().key());
        assertNull(p.jobs().get(2).site().provider(), "a host outside the provider: the site stands alone");
        assertEquals(p.jobs().get(2).site().key(), p.jobs().get(2).site().shardKey());
    }

    @Test
    void anotherTlsLevelIsAnotherSite() {
        Map<String, Route> routes = Map.of("one.test", SHARED_A);
        String may = plan(message(TlsLevel.MAY, "a@one.test"), routes).jobs().get(0).site().key();
        String verify = plan(message(TlsLevel.VERIFY, "a@one.test"), routes).jobs().get(0).site().key();
        assertEquals("mx1.hoster.test,mx2.hoster.test:25/may", may);
        assertEquals("mx1.hoster.test,mx2.hoster.test:25/verify", verify);
        assertNotEquals(may, verify);
    }

    @Test
    void underSecureEachDomainIsASiteVerifiedForItsOwnNames() {
        Plan p = RoutePlanner.plan(message(TlsLevel.SECURE, "a@one.test", "c@two.test"),
                Map.of("one.test", SHARED_A, "two.test", SHARED_B), TlsLevel.MAY,
                d -> d.equals("two.test") ? List.of("mx1.hoster.test") : List.of(), STARTED, ROUTED);
        assertEquals(2, p.jobs().size(), "same MX hosts, other names: two sites");
        DeliveryJob one = p.jobs().get(0);
        assertEquals("mx1.hoster.test,mx2.hoster.test:25/secure/match=one.test+.one.test", one.site().key());
        assertEquals(List.of("one.test", ".one.test"), one.endpoints().get(0).match());
        DeliveryJob two = p.jobs().get(1);
        assertEquals("mx1.hoster.test,mx2.hoster.test:25/secure/match=mx1.hoster.test", two.site().key());
        assertEquals(List.of("mx1.hoster.test"), two.endpoints().get(0).match(), "configured names");
    }

    @Test
    void anMtaStsDestinationIsAtLeastVerify() {
        Route sts = new Route.Destination(List.of("mx1.hoster.test"), 25,
                List.of(new Endpoint("mx1.hoster.test", "192.0.2.1", 25, 10)), PolicySource.MTA_STS);
        DeliveryJob job = plan(message(TlsLevel.MAY, "a@one.test"), Map.of("one.test", sts)).jobs().get(0);
        assertEquals("mx1.hoster.test:25/verify/mta-sts", job.site().key());
        assertEquals(TlsLevel.MAY, job.message(job.recipients()).tls(),
                "a retry is routed at the message's own level: a policy relaxed meanwhile relaxes it");
        assertEquals(TlsLevel.SECURE,
                plan(message(TlsLevel.SECURE, "a@one.test"), Map.of("one.test", sts)).jobs().get(0).site().tls());
    }

    @Test
    void requireTlsGoesOnlyUnderMtaStsOrDaneElseBounces5730() {
        QueuedMessage m = new QueuedMessage("m1", "sender@src.test", List.of("a@one.test", "b@sts.test", "c@dane.test"),
                "Hi".getBytes(), TlsLevel.MAY, null, null, null, 1, SUBMITTED, null, false, true);
        Route sts = new Route.Destination(List.of("mx.sts.test"), 25, List.of(new Endpoint("mx.sts.test", "192.0.2.3", 25, 10)),
                PolicySource.MTA_STS);
        Route dane = new Route.Destination(List.of("mx1.dane.test", "mx2.dane.test"), 25,
                List.of(new Endpoint("mx1.dane.test", "192.0.2.4", 25, 10),
                        new Endpoint("mx2.dane.test", "192.0.2.5", 25, 20).withTlsa(List.of("3 1 1 " + "ab".repeat(32)))),
                PolicySource.DANE);
        Plan p = plan(m, Map.of("one.test", SHARED_A, "sts.test", sts, "dane.test", dane));
        assertEquals(2, p.jobs().size());
        assertEquals("mx.sts.test:25/verify/mta-sts", p.jobs().get(0).site().key());
        assertTrue(p.jobs().get(0).requireTls());
        DeliveryJob d = p.jobs().get(1);
        assertEquals("mx2.dane.test:25/dane-only/dane", d.site().key(), "only the host with TLSA records");
        assertEquals(1, d.endpoints().size());
        RecipientResult r = p.outcome().results().get(0);
        assertEquals("a@one.test", r.recipient());
        assertEquals(Status.BOUNCED, r.status());
        assertEquals("5.7.30", r.dsn());
    }

    @Test
    void whatRoutingFindsForTlsReportsIsInThePlanOncePerDomain() {
        TlsPolicyRef ref = new TlsPolicyRef("sts.test", "sts", List.of("version: STSv1", "mode: enforce"));
        TlsResult refused = TlsResult.of(ref, "mx.sts.test", null, TlsResult.VALIDATION_FAILURE, "no MX host named");
        Plan p = plan(message(TlsLevel.MAY, "a@sts.test", "b@sts.test", "c@one.test"),
                Map.of("sts.test", new Route.Failure(Status.DEFERRED, "4.7.5", "refused", refused), "one.test", SHARED_A));
        assertEquals(List.of(refused), p.tlsResults());
        assertEquals(1, p.jobs().size());
        assertTrue(p.outcome().tlsResults().isEmpty(), "written by routing, not carried on the outcome");
    }

    @Test
    void messageWithoutTlsLevelGetsTheDefault() {
        Plan p = RoutePlanner.plan(message(null, "a@one.test"), Map.of("one.test", SHARED_A), TlsLevel.NONE,
                STARTED, ROUTED);
        assertEquals(TlsLevel.NONE, p.jobs().get(0).tls());
        assertEquals(TlsLevel.NONE, p.jobs().get(0).site().tls());
    }

    @Test
    void unroutableRecipientsGoToOneOutcome() {
        Plan p = plan(message(TlsLevel.MAY, "a@one.test", "x@gone.test", "y@slow.test", "noatsign"),
                Map.of("one.test", SHARED_A,
                        "gone.test", Route.Failure.bounce("5.1.2", "Host or domain name not found"),
                        "slow.test", Route.Failure.defer("try again")));
        assertEquals(1, p.jobs().size());
        DeliveryOutcome o = p.outcome();
        assertEquals("m1", o.messageId());
        assertNull(o.jobId());
        assertNull(o.site());
        assertEquals("none", o.relay());
        assertEquals(0, o.connectionUse());
        assertEquals(2, o.attempt());
        assertEquals(1.0, o.delays().queue(), 1e-9);
        assertEquals(0.25, o.delays().route(), 1e-9);
        assertEquals(ROUTED, o.timestamp());
        List<RecipientResult> r = o.results();
        assertEquals(3, r.size());
        assertEquals("x@gone.test", r.get(0).recipient());
        assertEquals(Status.BOUNCED, r.get(0).status());
        assertEquals("5.1.2", r.get(0).dsn());
        assertEquals("Host or domain name not found", r.get(0).reason());
        assertEquals(Status.DEFERRED, r.get(1).status());
        assertEquals("4.4.3", r.get(1).dsn());
        assertEquals(Status.BOUNCED, r.get(2).status());
        assertEquals("5.1.3", r.get(2).dsn());
    }

    @Test
    void domainOfIsLowerCaseAfterTheLastAt() {
        assertEquals("example.com", RoutePlanner.domainOf("\"a@b\"@Example.COM"));
        assertEquals("[192.0.2.1]", RoutePlanner.domainOf("a@[192.0.2.1]"));
        assertNull(RoutePlanner.domainOf("a@"));
        assertNull(RoutePlanner.domainOf("postmaster"));
    }
}
