package warmwire.contracts.mail;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Where a site's TLS level came from: the operator's configuration (the message's level or
 * warmwire.tls.level), or a policy the receiving domain published and delivery-service applied.
 * <ul>
 *   <li>{@code CONFIG}: configuration only.</li>
 *   <li>{@code MTA_STS}: an MTA-STS policy in mode enforce (RFC 8461): only the MX hosts the
 *       policy names, level {@link TlsLevel#VERIFY} (a chain to the trust anchors and the MX
 *       host name), never clear text.</li>
 *   <li>{@code DANE}: DNSSEC-validated TLSA records of the MX hosts (RFC 7672), found for a
 *       message at level {@code dane} or {@code dane-only}; each endpoint carries its host's
 *       records and the server's certificate must match them. Wins over MTA-STS.</li>
 * </ul>
 * Part of the site key, so a site (and so its connections) under a published policy is never
 * the site of the same hosts under configuration alone.
 */
public enum PolicySource {
    CONFIG, MTA_STS, DANE;

    /** {@code config}, {@code mta-sts}, {@code dane}: as events and site keys write it. */
    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Parses a wire name, case-insensitive; throws on anything else. */
    @JsonCreator
    public static PolicySource parse(String s) {
        if (s != null) {
            for (PolicySource p : values()) {
                if (p.wireName().equalsIgnoreCase(s.trim())) {
                    return p;
                }
            }
        }
        throw new IllegalArgumentException("unknown TLS policy source '" + s + "' (config, mta-sts, dane)");
    }
}
