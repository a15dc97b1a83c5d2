package warmwire.contracts.check;

import java.time.Instant;
import java.util.List;
import warmwire.contracts.text.BoundedText;
import warmwire.contracts.tlsrpt.TlsPolicyRef;
import warmwire.contracts.tlsrpt.TlsResult;

/**
 * NAME
 *   TlsResultCheck - judges a record of {@code mail.tls-results}, and the TLS report fields of
 *   jobs and outcomes.
 * DESCRIPTION
 *   Pure. A policy domain (a host name, bounded), a type {@code sts} or {@code tlsa}, at most
 *   {@link RecordLimits#MAX_POLICY_LINES} policy lines of at most
 *   {@link RecordLimits#MAX_TLSA_TEXT} characters, an MX host and an address (optional,
 *   bounded), a result that is {@code success} or an RFC 8460 result type, and a detail of at
 *   most {@link BoundedText#MAX_REASON} characters.
 */
public final class TlsResultCheck {
    private TlsResultCheck() {
    }

    public static Checked<TlsResult> check(byte[] value, Instant now) {
        return Checks.run(value, now, TlsResultCheck::result);
    }

    public static Checked<TlsResult> check(String value, Instant now) {
        return check(Checks.bytes(value), now);
    }

    static TlsResult result(Fields f) {
        TlsPolicyRef ref = ref(f, "policyDomain", "policyType");
        String mx = f.text("mxHost", false, RecordLimits.MAX_HOST);
        String ip = f.text("receivingIp", false, 45);
        String result = f.nonBlank("result", 64);
        if (!TlsResult.TYPES.contains(result)) {
            throw f.invalid("result", "not success nor an RFC 8460 result type: " + result);
        }
        String detail = f.text("detail", false, BoundedText.MAX_REASON);
        return TlsResult.of(ref, mx, ip, result, detail);
    }

    /** A policy reference, its domain and type in the fields named. */
    private static TlsPolicyRef ref(Fields f, String domainField, String typeField) {
        String domain = f.nonBlank(domainField, RecordLimits.MAX_HOST);
        String type = f.nonBlank(typeField, 8);
        if (!type.equals(TlsPolicyRef.STS) && !type.equals(TlsPolicyRef.TLSA)) {
            throw f.invalid(typeField, "not sts or tlsa: " + type);
        }
        List<String> lines = f.texts("policyString", false, 0, RecordLimits.MAX_POLICY_LINES, RecordLimits.MAX_TLSA_TEXT);
        return new TlsPolicyRef(domain, type, lines);
    }

    /** The {@code tlsReports} of a job. */
    static List<TlsPolicyRef> refs(Fields job) {
        List<Fields> list = job.objects("tlsReports", false, 0, RecordLimits.MAX_TLS_REPORTS);
        return list == null ? List.of() : list.stream().map(r -> ref(r, "domain", "type")).toList();
    }

    /** The {@code tlsResults} of an outcome. */
    static List<TlsResult> results(Fields outcome) {
        List<Fields> list = outcome.objects("tlsResults", false, 0, RecordLimits.MAX_TLS_REPORTS);
        return list == null ? List.of() : list.stream().map(TlsResultCheck::result).toList();
    }
}
