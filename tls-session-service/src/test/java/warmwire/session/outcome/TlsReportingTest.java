package warmwire.session.outcome;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import warmwire.contracts.mail.PolicySource;
import warmwire.contracts.mail.TlsLevel;
import warmwire.contracts.route.DeliveryJob;
import warmwire.contracts.route.Endpoint;
import warmwire.contracts.route.Site;
import warmwire.contracts.tlsrpt.TlsPolicyRef;
import warmwire.contracts.tlsrpt.TlsResult;
import warmwire.session.conn.DeliveryAttempt;
import warmwire.session.smtp.SmtpFailure;
import warmwire.session.smtp.SmtpState;
import warmwire.session.smtp.TlsDetails;

/** RFC 8460 result types from what a delivery attempt's TLS session did. */
class TlsReportingTest {
    private static final TlsPolicyRef STS = new TlsPolicyRef("example.test", "sts",
            List.of("version: STSv1", "mode: testing", "mx: *.example.test", "max_age: 86400"));
    private static final Endpoint MX = new Endpoint("mx.example.test", "192.0.2.1", 25, 10);
    private static final Endpoint ELSEWHERE = new Endpoint("mx.hoster.test", "192.0.2.9", 25, 10);

    private static DeliveryJob job(TlsPolicyRef... refs) {
        Instant now = Instant.now();
        return new DeliveryJob("m/1/s", "m", new Site(List.of("mx.example.test"), 25, TlsLevel.MAY, PolicySource.CONFIG),
                List.of(MX), "a@b.test", List.of("r@example.test"), new byte[0], TlsLevel.MAY, 1, now, now, 0, null,
                null, null, false, false, List.of(refs), null);
    }

    /** A session that reached a transaction, with {@code tls} (null: clear text). */
    private static DeliveryAttempt ran(Endpoint ep, TlsDetails tls) {
        return new DeliveryAttempt(ep, List.of(new DeliveryAttempt.Part(new int[] {0}, null, Set.of())), null, tls, 1, 0, 0);
    }

    private static DeliveryAttempt failed(SmtpFailure.Kind kind, String message) {
        return new DeliveryAttempt(MX, List.of(), new SmtpFailure(kind, SmtpState.TLS_HANDSHAKE, null, message), null, 0, 0, 0);
    }

    private static String type(DeliveryJob job, DeliveryAttempt a) {
        List<TlsResult> r = TlsReporting.results(job, a);
        assertEquals(1, r.size(), r.toString());
        assertEquals("example.test", r.get(0).policyDomain());
        return r.get(0).result();
    }

    @Test
    void eachOutcomeOfTheSessionHasItsResultType() {
        DeliveryJob j = job(STS);
        assertEquals("success", type(j, ran(MX, new TlsDetails("TLSv1.3", "x", false, null))));
        assertEquals("starttls-not-supported", type(j, ran(MX, null)));
        assertEquals("certificate-host-mismatch", type(j, ran(MX, new TlsDetails("TLSv1.3", "x", false,
                "certificate does not match host name mx.example.test"))));
        assertEquals("certificate-not-trusted", type(j, ran(MX, new TlsDetails("TLSv1.3", "x", false,
                "untrusted issuer CN=x (not in the JDK CA store)"))));
        assertEquals("validation-failure", type(j, ran(ELSEWHERE, new TlsDetails("TLSv1.3", "x", false, null))),
                "an MX host the policy does not name");
        assertEquals("starttls-not-supported", type(j, failed(SmtpFailure.Kind.TLS_REQUIRED, "TLS is required, but was not offered")));
        assertEquals("validation-failure", type(j, failed(SmtpFailure.Kind.TLS_FAILED, "TLS handshake failed")));
    }

    @Test
    void noTlsSessionNoResultAndDaneOnlyWhereTheEndpointHadTlsa() {
        assertTrue(TlsReporting.results(job(STS), new DeliveryAttempt(null, List.of(),
                new SmtpFailure(SmtpFailure.Kind.CONNECT, SmtpState.CONNECT, null, "refused"), null, 0, 0, 0)).isEmpty());
        assertTrue(TlsReporting.results(job(STS), failed(SmtpFailure.Kind.TIMEOUT, "greeting timeout")).isEmpty());
        assertTrue(TlsReporting.results(job(), ran(MX, null)).isEmpty(), "no policy, no report");
        TlsPolicyRef tlsa = new TlsPolicyRef("example.test", "tlsa", List.of("3 1 1 ab"));
        assertTrue(TlsReporting.results(job(tlsa), ran(MX, null)).isEmpty(), "an endpoint without TLSA ran at may");
        Endpoint withTlsa = MX.withTlsa(List.of("3 1 1 ab"));
        assertEquals("validation-failure", type(job(tlsa), ran(withTlsa, new TlsDetails("TLSv1.3", "x", false,
                "no TLSA record matches the certificate chain"))));
    }
}
