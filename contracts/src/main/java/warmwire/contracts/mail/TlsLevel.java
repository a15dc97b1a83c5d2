package warmwire.contracts.mail;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * TLS security level, Postfix's smtp_tls_security_level names, weakest first.
 * <ul>
 *   <li>{@code NONE}: never STARTTLS.</li>
 *   <li>{@code MAY}: opportunistic; STARTTLS when offered, clear text otherwise.</li>
 *   <li>{@code ENCRYPT}: mandatory TLS, certificate not checked; never clear text.</li>
 *   <li>{@code VERIFY}: mandatory TLS with a certificate chain trusted by the trust file and a
 *       name matching the MX host; never clear text.</li>
 * </ul>
 */
public enum TlsLevel {
    NONE, MAY, ENCRYPT, VERIFY;

    /** Whether a session without TLS is forbidden. */
    public boolean mandatory() {
        return this == ENCRYPT || this == VERIFY;
    }

    /** The stronger of two levels: a per-message request never goes below the configured floor. */
    public TlsLevel atLeast(TlsLevel floor) {
        return compareTo(floor) >= 0 ? this : floor;
    }

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code none|may|encrypt|verify}, case-insensitive; throws on anything else. */
    @JsonCreator
    public static TlsLevel parse(String s) {
        if (s != null) {
            for (TlsLevel l : values()) {
                if (l.wireName().equalsIgnoreCase(s.trim())) {
                    return l;
                }
            }
        }
        throw new IllegalArgumentException("unknown TLS level '" + s + "' (none, may, encrypt, verify)");
    }
}
