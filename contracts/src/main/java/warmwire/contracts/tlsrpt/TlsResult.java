package warmwire.contracts.tlsrpt;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * A record on {@code mail.tls-results}, keyed by policy domain: the TLS result of one delivery
 * attempt (or routing step) to a domain under a published policy, the raw material of its
 * daily TLS report (RFC 8460). Carried on outcomes, written by queue-service (or by
 * tls-session-service with a delivered first attempt's events), aggregated by delivery-service.
 *
 * @param policyDomain the domain that published the policy
 * @param policyType   {@code sts} or {@code tlsa}
 * @param policyString the policy as RFC 8460 section 4.4 writes it
 * @param mxHost       the MX host tried, null when none was (routing refused every host)
 * @param receivingIp  its address, null when none was connected
 * @param result       {@code success}, or an RFC 8460 section 4.3 result type
 *                     ({@code starttls-not-supported}, {@code certificate-host-mismatch},
 *                     {@code certificate-not-trusted}, {@code certificate-expired},
 *                     {@code validation-failure}, {@code dnssec-invalid}, ...)
 * @param detail       what failed, for the report's failure-reason-code (bounded text)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TlsResult(String policyDomain, String policyType, List<String> policyString, String mxHost,
                        String receivingIp, String result, String detail) {
    public static final String SUCCESS = "success";
    public static final String STARTTLS_NOT_SUPPORTED = "starttls-not-supported";
    public static final String CERTIFICATE_HOST_MISMATCH = "certificate-host-mismatch";
    public static final String CERTIFICATE_NOT_TRUSTED = "certificate-not-trusted";
    public static final String CERTIFICATE_EXPIRED = "certificate-expired";
    public static final String VALIDATION_FAILURE = "validation-failure";
    public static final String DNSSEC_INVALID = "dnssec-invalid";
    public static final String DANE_REQUIRED = "dane-required";
    /** Every result type a record may carry (RFC 8460 4.3.1 to 4.3.3). */
    public static final List<String> TYPES = List.of(SUCCESS, STARTTLS_NOT_SUPPORTED, CERTIFICATE_HOST_MISMATCH,
            CERTIFICATE_NOT_TRUSTED, CERTIFICATE_EXPIRED, VALIDATION_FAILURE, DNSSEC_INVALID, DANE_REQUIRED,
            "tlsa-invalid", "sts-policy-fetch-error", "sts-policy-invalid", "sts-webpki-invalid");

    public TlsResult {
        policyString = policyString == null ? List.of() : List.copyOf(policyString);
    }

    /** The result of {@code ref}'s domain. */
    public static TlsResult of(TlsPolicyRef ref, String mxHost, String receivingIp, String result, String detail) {
        return new TlsResult(ref.domain(), ref.type(), ref.policyString(), mxHost, receivingIp, result, detail);
    }

    public boolean success() {
        return SUCCESS.equals(result);
    }
}
