package warmwire.contracts.mail;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * TLS security level, Postfix's smtp_tls_security_level names, ordered by what each guarantees
 * at least (weakest first).
 * <ul>
 *   <li>{@code NONE}: never STARTTLS.</li>
 *   <li>{@code MAY}: opportunistic; STARTTLS when offered, clear text otherwise.</li>
 *   <li>{@code DANE}: DANE (RFC 7672) where the MX records are DNSSEC-validated and an MX host
 *       has usable DNSSEC-validated TLSA records: TLS required and the certificate matched
 *       against them; for a host without TLSA records, {@code may}. At least opportunistic, so
 *       below {@code encrypt}.</li>
 *   <li>{@code ENCRYPT}: mandatory TLS, certificate not checked; never clear text.</li>
 *   <li>{@code DANE_ONLY} ({@code dane-only}): DANE or nothing: a domain without validated MX
 *       records, or an MX host without usable validated TLSA records, is not delivered to
 *       (deferred); never clear text.</li>
 *   <li>{@code VERIFY}: mandatory TLS with a certificate chain trusted by the trust file and a
 *       name matching the MX host; never clear text.</li>
 *   <li>{@code SECURE}: as verify, but the certificate must name the recipient domain or a
 *       subdomain of it (Postfix's "nexthop, dot-nexthop"), or the names configured for the
 *       domain, not the MX host: for when the MX records themselves cannot be trusted.</li>
 * </ul>
 */
public enum TlsLevel {
    NONE, MAY, DANE, ENCRYPT, DANE_ONLY, VERIFY, SECURE;

    /**
     * Whether a session at this level may not go on without TLS. A job of level {@code dane}
     * runs each endpoint without TLSA records at {@code may}; with them, at {@code dane}.
     */
    public boolean mandatory() {
        return this == DANE || this == ENCRYPT || this == DANE_ONLY || this == VERIFY || this == SECURE;
    }

    /** Whether a session at this level must verify the server's certificate (PKIX or TLSA). */
    public boolean verified() {
        return this == DANE || this == DANE_ONLY || this == VERIFY || this == SECURE;
    }

    /** Whether routing looks up DNSSEC-validated MX and TLSA records for this level. */
    public boolean dane() {
        return this == DANE || this == DANE_ONLY;
    }

    /** The stronger of two levels: a per-message request never goes below the configured floor. */
    public TlsLevel atLeast(TlsLevel floor) {
        return compareTo(floor) >= 0 ? this : floor;
    }

    /** {@code none}, {@code may}, {@code dane}, {@code encrypt}, {@code dane-only}, {@code verify}, {@code secure}. */
    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Parses a wire name, case-insensitive; throws on anything else. */
    @JsonCreator
    public static TlsLevel parse(String s) {
        if (s != null) {
            for (TlsLevel l : values()) {
                if (l.wireName().equalsIgnoreCase(s.trim())) {
                    return l;
                }
            }
        }
        throw new IllegalArgumentException("unknown TLS level '" + s + "' (none, may, dane, encrypt, dane-only, verify, secure)");
    }
}
