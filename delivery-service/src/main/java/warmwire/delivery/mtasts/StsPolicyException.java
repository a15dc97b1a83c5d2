package warmwire.delivery.mtasts;

import warmwire.contracts.tlsrpt.TlsResult;

/**
 * A policy that could not be had; the message says why, {@link #resultType()} what a TLS report
 * (RFC 8460 section 4.3.2.1) calls it: {@code sts-policy-invalid} for a body that is not a valid
 * MTA-STS policy (RFC 8461 section 3.2), {@code sts-webpki-invalid} for a policy host whose
 * certificate did not check out, {@code sts-policy-fetch-error} for anything else (no address,
 * no connection, an HTTP status, a media type, a size, the deadline).
 */
public final class StsPolicyException extends RuntimeException {
    public static final String FETCH_ERROR = "sts-policy-fetch-error";
    public static final String INVALID = "sts-policy-invalid";
    public static final String WEBPKI_INVALID = "sts-webpki-invalid";

    private final String resultType;

    /** A policy body that is not valid. */
    public StsPolicyException(String message) {
        this(INVALID, message);
    }

    public StsPolicyException(String resultType, String message) {
        super(message, null, false, false);
        this.resultType = resultType;
    }

    /** One of {@link TlsResult#TYPES}' MTA-STS types. */
    public String resultType() {
        return resultType;
    }
}
