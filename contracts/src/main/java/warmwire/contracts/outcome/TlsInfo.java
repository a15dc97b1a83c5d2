package warmwire.contracts.outcome;

import com.fasterxml.jackson.annotation.JsonInclude;
import warmwire.contracts.mail.PolicySource;
import warmwire.contracts.mail.TlsLevel;

/**
 * How a delivery's connection was protected; absent (null) for a clear-text session.
 *
 * @param resumed  whether the TLS session was resumed (abbreviated handshake)
 * @param verified whether the peer's certificate chain and name were verified
 * @param level    the TLS level the site was delivered under (null in records of older versions)
 * @param policy   where that level came from: {@code config}, or a policy the receiving domain
 *                 published ({@code mta-sts}); null in records of older versions
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TlsInfo(String version, String cipher, boolean resumed, boolean verified, TlsLevel level,
                      PolicySource policy) {

    /** Without the level and its source (tests, records of older versions). */
    public TlsInfo(String version, String cipher, boolean resumed, boolean verified) {
        this(version, cipher, resumed, verified, null, null);
    }
}
