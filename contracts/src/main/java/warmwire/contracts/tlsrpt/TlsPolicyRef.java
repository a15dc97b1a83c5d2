package warmwire.contracts.tlsrpt;

import java.util.List;

/**
 * The TLS policy a recipient domain published, as a TLS report names it (RFC 8460 section 4.4):
 * carried on a delivery job so that its session's result can be reported for the domain.
 *
 * @param domain       the policy domain (the recipient domain)
 * @param type         {@code sts} (MTA-STS, enforce or testing) or {@code tlsa} (DANE)
 * @param policyString the policy as RFC 8460 writes it: the MTA-STS policy's lines, or the TLSA
 *                     records in presentation form
 */
public record TlsPolicyRef(String domain, String type, List<String> policyString) {
    public static final String STS = "sts";
    public static final String TLSA = "tlsa";

    public TlsPolicyRef {
        policyString = policyString == null ? List.of() : List.copyOf(policyString);
    }
}
