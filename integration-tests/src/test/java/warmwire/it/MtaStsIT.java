package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import warmwire.testing.Poll;

/**
 * MTA-STS (RFC 8461) end to end: real DNS (the dnsmasq peer serves the {@code _mta-sts} TXT
 * records and the policy hosts' addresses), a real HTTPS policy host ({@link StsPolicyHost},
 * its certificate from the test CA that the IT mesh trusts for policy hosts), the real Postfix
 * peer as every MX host (its certificate names {@code mx.enforce.test} and
 * {@code mx.changing.test}, not {@code mx.badcert.test} nor {@code mx.testing.test}).
 * Each case asserts the outcome and, from the peer's own log, that the mail went over TLS or
 * not at all.
 */
class MtaStsIT {
    /** Names in the Postfix peer's certificate: the MX hosts that can be verified, and every policy host. */
    static final String CERT_NAMES = "mx.enforce.test mx.changing.test mx.tlsrpt.test mta-sts.enforce.test"
            + " mta-sts.mismatch.test mta-sts.badcert.test mta-sts.testing.test mta-sts.changing.test mta-sts.tlsrpt.test mta-sts.nopolicy.test";
    /** Domains the Postfix peer accepts for this test. */
    static final String PEER_DOMAINS = "enforce.test mismatch.test badcert.test testing.test changing.test tlsrpt.test nopolicy.test";

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static StsPolicyHost host;
    private final Mesh mesh = Mesh.get();

    /** The DNS records of this test; {@code changingId} is changing.test's policy id. */
    static List<String> records(int changingId) {
        List<String> r = new java.util.ArrayList<>();
        for (String d : PEER_DOMAINS.split(" ")) {
            r.add("mx-host=" + d + ",mx." + d + ",10");
            r.add("host-record=mx." + d + ",127.0.0.1");
            r.add("host-record=mta-sts." + d + ",127.0.0.1");
            r.add("txt-record=_mta-sts." + d + ",\"v=STSv1; id=" + (d.equals("changing.test") ? changingId : 1) + ";\"");
        }
        r.add("txt-record=_smtp._tls.enforce.test,\"v=TLSRPTv1; rua=mailto:tlsrpt@enforce.test\"");
        // tlsrpt.test's reports go to another domain: mailed to itself, each report would be a
        // session of the next period (as it is, once a day, in production)
        r.add("txt-record=_smtp._tls.tlsrpt.test,\"v=TLSRPTv1; rua=mailto:reports@enforce.test\"");
        return r;
    }

    @BeforeAll
    static void policyHost() throws Exception {
        Mesh m = Mesh.get();
        host = new StsPolicyHost(Mesh.STS_PORT, m.peerTlsDir());
        host.serve("enforce.test", "enforce", "mx.enforce.test");
        host.serve("mismatch.test", "enforce", "*.elsewhere.test");
        host.serve("badcert.test", "enforce", "mx.badcert.test");
        host.serve("testing.test", "testing", "*.elsewhere.test");
        host.serve("changing.test", "enforce", "*.changing.test");
        host.serve("tlsrpt.test", "enforce", "mx.tlsrpt.test");
        m.dnsRecords(records(1));
    }

    @AfterAll
    static void stopPolicyHost() {
        if (host != null) {
            host.close();
        }
    }

    private JsonNode sendAndExpect(String rcpt, String status, String siteSuffix, String policy) throws Exception {
        return sendAndExpect(new Mail("sender@warmwire.test", rcpt), status, siteSuffix, policy);
    }

    private JsonNode sendAndExpect(Mail mail, String status, String siteSuffix, String policy) throws Exception {
        mesh.submit(mail.id, mail.json());
        JsonNode e = mesh.events.awaitEvents(mail.id, 1, WAIT).get(0);
        assertEquals(status, e.path("status").asText(), e.toString());
        if (siteSuffix != null) {
            assertTrue(e.path("site").asText().endsWith(siteSuffix), e.toString());
            assertEquals(policy, e.path("tls").path("policy").asText(), e.toString());
            Thread.sleep(500); // the peer's log lines of the copy
            assertEquals(Boolean.TRUE, PeerLog.overTls(mesh.peerLog(), mail.messageId), "sent over TLS: " + e);
        } else {
            Thread.sleep(1500);
            assertFalse(mesh.peerLog().contains(mail.messageId), "no byte of the message reached the peer: " + e);
        }
        return e;
    }

    @Test
    void enforceDeliversOnlyOverTlsVerifiedForTheMxName() throws Exception {
        JsonNode e = sendAndExpect("ann@enforce.test", "delivered", ":" + Mesh.PEER_TLS_PORT + "/verify/mta-sts", "mta-sts");
        assertEquals("mx.enforce.test:" + Mesh.PEER_TLS_PORT + "/verify/mta-sts", e.path("site").asText());
        assertTrue(e.path("tls").path("verified").asBoolean(), e.toString());
        assertEquals("verify", e.path("tls").path("level").asText(), e.toString());
        assertTrue(host.requests("enforce.test") >= 1, "the policy was fetched");
    }

    @Test
    void enforceWithoutAMatchingMxHostDefersAndSendsNothing() throws Exception {
        JsonNode e = sendAndExpect("ben@mismatch.test", "deferred", null, null);
        assertEquals("4.7.5", e.path("dsn").asText(), e.toString());
        assertTrue(e.path("reason").asText().contains("names none of its MX hosts"), e.toString());
        assertEquals("none", e.path("relay").asText(), "no connection was made: " + e);
    }

    @Test
    void enforceWithACertificateForAnotherNameDefersAndSendsNothing() throws Exception {
        JsonNode e = sendAndExpect("cid@badcert.test", "deferred", null, null);
        assertTrue(e.path("site").asText().endsWith("/verify/mta-sts"), e.toString());
        assertTrue(e.path("reason").asText().contains("certificate does not match host name mx.badcert.test"), e.toString());
    }

    @Test
    void testingDeliversAsUsual() throws Exception {
        // the policy names no MX host of the domain and the certificate does not name it: as usual, level may
        JsonNode e = sendAndExpect("dee@testing.test", "delivered", ":" + Mesh.PEER_TLS_PORT + "/may", "config");
        assertFalse(e.path("tls").path("verified").asBoolean(), e.toString());
        assertTrue(host.requests("testing.test") >= 1, "the policy was fetched");
    }

    @Test
    void requireTlsBouncesWhereNoServerOffersItOrNoPolicyValidatesTheMx() throws Exception {
        // enforce.test is validated by MTA-STS, but Postfix does not offer REQUIRETLS
        JsonNode e = sendAndExpect(new Mail("sender@warmwire.test", "hal@enforce.test").requireTls(), "bounced", null, null);
        assertEquals("5.7.30", e.path("dsn").asText(), e.toString());
        assertTrue(e.path("reason").asText().contains("REQUIRETLS support required, but was not offered by host mx.enforce.test"),
                e.toString());
        // mx.test publishes no policy: no route meets REQUIRETLS, nothing is even connected
        JsonNode r = sendAndExpect(new Mail("sender@warmwire.test", "ida@mx.test").requireTls(), "bounced", null, null);
        assertEquals("5.7.30", r.path("dsn").asText(), r.toString());
        assertEquals("none", r.path("relay").asText(), r.toString());
    }

    @Test
    void tlsRequiredNoSetsThePublishedPolicyAside() throws Exception {
        // mismatch.test's enforce policy names none of its MX hosts: deferred without the header
        Mail mail = new Mail("sender@warmwire.test", "jo@mismatch.test").header("TLS-Required: No");
        JsonNode e = sendAndExpect(mail, "delivered", ":" + Mesh.PEER_TLS_PORT + "/may", "config");
        assertEquals("mx.mismatch.test:" + Mesh.PEER_TLS_PORT + "/may", e.path("site").asText(), e.toString());
    }

    /**
     * TLS reports (RFC 8460): the IT mesh reports every {@link Mesh#TLSRPT_PERIOD}. tlsrpt.test
     * gets mail from this test only, so its count is exact: two sessions, counted once (summed
     * over every report after the test began, and still two a period later); its report is
     * mailed to its rua (at enforce.test) through Warmwire. The other domains' reports may count earlier tests'
     * mail of the same period too: they are checked for the result types this test causes.
     */
    @Test
    void tlsReportsCountEachDomainsResults() throws Exception {
        long from = System.currentTimeMillis();
        try (TlsReports reports = new TlsReports(mesh.bootstrap)) {
            sendAndExpect("kim@tlsrpt.test", "delivered", "/verify/mta-sts", "mta-sts");
            sendAndExpect("kit@tlsrpt.test", "delivered", "/verify/mta-sts", "mta-sts");
            sendAndExpect("lou@testing.test", "delivered", "/may", "config");
            sendAndExpect("max@mismatch.test", "deferred", null, null);
            send("nat@good.dane.test", "dane");
            send("oli@wrong.dane.test", "dane");
            sendAndExpect("pat@nopolicy.test", "delivered", "/may", "config"); // a record, but the host answers 404
            Duration wait = Mesh.TLSRPT_PERIOD.multipliedBy(3).plusSeconds(60);
            JsonNode first = reports.await("tlsrpt.test", from, wait);
            JsonNode p = first.path("report").path("policies").get(0);
            assertEquals("sts", p.path("policy").path("policy-type").asText(), first.toString());
            assertTrue(p.path("policy").path("policy-string").toString().contains("mode: enforce"), first.toString());
            assertEquals("mailto:reports@enforce.test", first.path("rua").asText(), first.toString());
            Poll.until(wait, Duration.ofMillis(100), () -> reports.successes("tlsrpt.test", from, Duration.ofMillis(500)),
                    n -> n >= 2, n -> "tlsrpt.test sessions counted: " + n);
            assertEquals(2, reports.successes("tlsrpt.test", from, Mesh.TLSRPT_PERIOD.plusSeconds(10)),
                    "each session counted once, in one report");
            // ... and mailed to that rua through Warmwire itself (warmwire.tlsrpt.mail-from is set here)
            JsonNode mailed = mesh.events.awaitEvents(e -> "reports@enforce.test".equals(e.path("recipient").asText())
                    && "delivered".equals(e.path("status").asText()), 1, WAIT).get(0);
            assertTrue(mailed.path("id").asText().startsWith("tlsrpt-"), mailed.toString());
            assertTrue(mesh.peerLog().contains("to=<reports@enforce.test>"), "the report mail reached the receiver");

            assertTrue(reports.await("testing.test", from, wait).toString().contains("\"result-type\":\"validation-failure\""),
                    "testing: the MX host the policy does not name");
            JsonNode mismatch = reports.await("mismatch.test", from, wait);
            assertTrue(mismatch.toString().contains("\"result-type\":\"validation-failure\""), mismatch.toString());
            JsonNode good = reports.await("good.dane.test", from, wait).path("report").path("policies").get(0);
            assertEquals("tlsa", good.path("policy").path("policy-type").asText(), good.toString());
            assertTrue(good.path("summary").path("total-successful-session-count").asLong() >= 1, good.toString());
            assertTrue(reports.await("wrong.dane.test", from, wait).toString().contains("\"result-type\":\"validation-failure\""));
            JsonNode fetch = reports.await("nopolicy.test", from, wait);
            assertTrue(fetch.toString().contains("\"result-type\":\"sts-policy-fetch-error\""), fetch.toString());
        }
    }

    private void send(String rcpt, String level) throws Exception {
        Mail mail = new Mail("sender@warmwire.test", rcpt).tls(level);
        mesh.submit(mail.id, mail.json());
        mesh.events.awaitEvents(mail.id, 1, WAIT);
    }

    @Test
    void aCachedPolicyOutlivesItsPolicyHostAndANewIdIsFetched() throws Exception {
        sendAndExpect("eve@changing.test", "delivered", "/verify/mta-sts", "mta-sts");
        int fetched = host.requests("changing.test");

        // a new id while the policy host is down: the cached enforce policy stays in force
        host.down("changing.test");
        mesh.dnsRecords(records(2));
        Thread.sleep(1500); // delivery-service reuses DNS answers for 1 s here
        sendAndExpect("fay@changing.test", "delivered", "/verify/mta-sts", "mta-sts");
        assertTrue(host.requests("changing.test") > fetched, "the new id was asked for at the policy host");

        // the host is back with a testing policy under a newer id: fetched, and delivery as usual
        host.serve("changing.test", "testing", "*.changing.test");
        mesh.dnsRecords(records(3));
        Thread.sleep(1500); // the DNS cache (1 s here); id 3 is new, so no failure hold applies
        sendAndExpect("gus@changing.test", "delivered", ":" + Mesh.PEER_TLS_PORT + "/may", "config");
    }
}
