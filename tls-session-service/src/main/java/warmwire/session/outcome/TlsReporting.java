package warmwire.session.outcome;

import java.util.ArrayList;
import java.util.List;
import warmwire.contracts.route.DeliveryJob;
import warmwire.contracts.route.Endpoint;
import warmwire.contracts.route.HostNames;
import warmwire.contracts.text.BoundedText;
import warmwire.contracts.tlsrpt.TlsPolicyRef;
import warmwire.contracts.tlsrpt.TlsResult;
import warmwire.session.conn.DeliveryAttempt;
import warmwire.session.smtp.SmtpFailure;
import warmwire.session.smtp.TlsDetails;

/**
 * NAME
 *   TlsReporting - the TLS result of a delivery attempt for each published policy of its job (RFC 8460).
 * DESCRIPTION
 *   One result per policy the job carries (its recipient domains under MTA-STS, enforce or
 *   testing, or DANE), for the TLS session with the endpoint that answered; none when no TCP
 *   connection was made, or the session ended for a reason that is not TLS (a timeout before
 *   STARTTLS, a refused greeting: RFC 8460 counts TLS negotiations). The result:
 *     - {@code starttls-not-supported}: the server did not offer or refused STARTTLS (under
 *       testing the mail then went in clear text, as the level allowed);
 *     - the certificate's verdict, as tls-session-service judged it for the level (the chain
 *       and the MX name for MTA-STS, the TLSA records for DANE): {@code certificate-host-mismatch},
 *       {@code certificate-not-trusted}, or {@code validation-failure} (a failed handshake, a
 *       TLSA mismatch, anything else);
 *     - for MTA-STS, an MX host the policy's patterns do not name: {@code validation-failure}
 *       (testing mode routes to every MX host, so the report shows what enforce would refuse);
 *     - else {@code success}.
 *   A DANE policy is judged only for endpoints that had TLSA records (level dane runs the
 *   others at may).
 */
public final class TlsReporting {
    private TlsReporting() {
    }

    public static List<TlsResult> results(DeliveryJob job, DeliveryAttempt a) {
        Endpoint ep = a.relay();
        if (job.tlsReports().isEmpty() || ep == null) {
            return List.of();
        }
        List<TlsResult> out = new ArrayList<>();
        for (TlsPolicyRef ref : job.tlsReports()) {
            boolean tlsa = TlsPolicyRef.TLSA.equals(ref.type());
            if (tlsa && ep.tlsa().isEmpty()) {
                continue;
            }
            String[] verdict = verdict(a, tlsa);
            if (verdict == null) {
                continue;
            }
            if (!tlsa && !namedBy(ref, ep.host())) {
                verdict = new String[] {TlsResult.VALIDATION_FAILURE, "MX host " + ep.host() + " is not named by the policy"};
            }
            out.add(TlsResult.of(ref, ep.host(), ep.address(), verdict[0],
                    verdict[1] == null ? null : BoundedText.truncate(verdict[1], BoundedText.MAX_REASON)));
        }
        return out;
    }

    /** {result type, detail}, or null when the session ended for a reason that is not TLS. */
    private static String[] verdict(DeliveryAttempt a, boolean tlsa) {
        SmtpFailure f = a.lastFailure();
        TlsDetails t = a.tls();
        if (a.parts().isEmpty() && f != null) {
            return switch (f.kind()) {
                case TLS_REQUIRED -> new String[] {TlsResult.STARTTLS_NOT_SUPPORTED, f.getMessage()};
                case TLS_FAILED -> new String[] {TlsResult.VALIDATION_FAILURE, f.getMessage()};
                case TLS_NOT_VERIFIED -> new String[] {certificate(f.getMessage(), tlsa), f.getMessage()};
                default -> null;
            };
        }
        if (t == null) {
            return new String[] {TlsResult.STARTTLS_NOT_SUPPORTED, "STARTTLS was not offered, or refused"};
        }
        if (t.verifyProblem() != null) {
            return new String[] {certificate(t.verifyProblem(), tlsa), t.verifyProblem()};
        }
        return new String[] {TlsResult.SUCCESS, null};
    }

    private static String certificate(String problem, boolean tlsa) {
        if (tlsa) {
            return TlsResult.VALIDATION_FAILURE;
        }
        if (problem.contains("does not match host name") || problem.contains("matches none of")) {
            return TlsResult.CERTIFICATE_HOST_MISMATCH;
        }
        if (problem.contains("untrusted issuer") || problem.contains("no server certificate")) {
            return TlsResult.CERTIFICATE_NOT_TRUSTED;
        }
        return TlsResult.VALIDATION_FAILURE;
    }

    /** Whether an MTA-STS policy's {@code mx:} lines name {@code host}. */
    private static boolean namedBy(TlsPolicyRef ref, String host) {
        for (String line : ref.policyString()) {
            if (line.startsWith("mx:") && HostNames.matchesMxPattern(line.substring(3).trim(), host)) {
                return true;
            }
        }
        return false;
    }
}
