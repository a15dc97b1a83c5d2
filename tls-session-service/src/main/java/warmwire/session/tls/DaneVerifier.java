package warmwire.session.tls;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertPathValidator;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import warmwire.session.smtp.PeerVerifier;

/**
 * NAME
 *   DaneVerifier - judges a server's chain by the MX host's TLSA records (RFC 7672 section 3, RFC 7671).
 * DESCRIPTION
 *   Built from the endpoint's DNSSEC-validated TLSA records (routing found and validated them;
 *   {@code usage selector matching-type hex}). Usable records are DANE-EE(3) and DANE-TA(2) with
 *   selector 0 (the whole certificate) or 1 (its SubjectPublicKeyInfo) and matching type 0
 *   (exact), 1 (SHA-256) or 2 (SHA-512); PKIX-TA(0) and PKIX-EE(1) are unusable in SMTP
 *   (RFC 7672 section 3.1.3), and so are unknown values.
 *     - DANE-EE(3): the server's own certificate matches; neither its names nor its dates are
 *       checked (RFC 7672 section 3.1.1).
 *     - DANE-TA(2): a certificate the server sent matches (the trust anchor); the chain from the
 *       server's certificate up to it is valid (signatures, dates, CA constraints; PKIX with that
 *       certificate as the only anchor), and the server's certificate names the MX host
 *       (RFC 7672 section 3.2.2; RFC 6125 matching, {@link HostnameMatcher}).
 *   {@link #usable()} is false when no record is usable: RFC 7672 section 2.2 then asks for
 *   TLS without authentication (the caller runs the endpoint at {@code encrypt}).
 */
public final class DaneVerifier implements PeerVerifier {

    /** One TLSA record. */
    public record Tlsa(int usage, int selector, int matchingType, byte[] data) {
        static final int DANE_TA = 2;
        static final int DANE_EE = 3;

        /** From presentation form; null when it is not one. */
        static Tlsa parse(String text) {
            String[] f = text.trim().split("\\s+");
            if (f.length != 4) {
                return null;
            }
            try {
                return new Tlsa(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]),
                        HexFormat.of().parseHex(f[3].toLowerCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                return null;
            }
        }

        boolean usable() {
            return (usage == DANE_TA || usage == DANE_EE) && (selector == 0 || selector == 1)
                    && (matchingType >= 0 && matchingType <= 2);
        }

        /** Whether {@code c} is what this record names. */
        boolean matches(X509Certificate c) {
            try {
                byte[] selected = selector == 0 ? c.getEncoded() : c.getPublicKey().getEncoded();
                byte[] digest = switch (matchingType) {
                    case 0 -> selected;
                    case 1 -> MessageDigest.getInstance("SHA-256").digest(selected);
                    default -> MessageDigest.getInstance("SHA-512").digest(selected);
                };
                return MessageDigest.isEqual(digest, data);
            } catch (CertificateEncodingException | java.security.NoSuchAlgorithmException e) {
                return false;
            }
        }

        @Override
        public String toString() {
            String hex = HexFormat.of().formatHex(data);
            return usage + " " + selector + " " + matchingType + " " + (hex.length() > 16 ? hex.substring(0, 16) + "..." : hex);
        }
    }

    private final List<Tlsa> usable;
    private final int given;

    private DaneVerifier(List<Tlsa> usable, int given) {
        this.usable = usable;
        this.given = given;
    }

    /** The verifier of {@code records}; records that do not parse or are unusable are left out. */
    public static DaneVerifier of(List<String> records) {
        List<Tlsa> u = new ArrayList<>();
        for (String r : records) {
            Tlsa t = Tlsa.parse(r);
            if (t != null && t.usable()) {
                u.add(t);
            }
        }
        return new DaneVerifier(List.copyOf(u), records.size());
    }

    /** Whether any record is usable. */
    public boolean usable() {
        return !usable.isEmpty();
    }

    @Override
    public String problem(List<Certificate> chain, String host) {
        if (usable.isEmpty()) {
            return given == 0 ? "no TLSA records" : "no usable TLSA records";
        }
        X509Certificate[] x = TrustFileVerifier.x509(chain);
        if (x == null || x.length == 0) {
            return x == null ? "not an X.509 certificate chain" : "no server certificate";
        }
        String taProblem = null;
        for (Tlsa t : usable) {
            if (t.usage() == Tlsa.DANE_EE) {
                if (t.matches(x[0])) {
                    return null;
                }
                continue;
            }
            for (int i = 0; i < x.length; i++) {
                if (t.matches(x[i])) {
                    String p = chainUpTo(x, i);
                    if (p == null && !HostnameMatcher.matches(x[0], host)) {
                        p = "certificate does not match host name " + host;
                    }
                    if (p == null) {
                        return null;
                    }
                    taProblem = "DANE-TA " + t + ": " + p;
                }
            }
        }
        return taProblem != null ? taProblem : "no TLSA record matches the certificate chain (TLSA " + usable + ")";
    }

    /** Null when x[0..ta-1] is a valid path to the trust anchor x[ta]; else what is wrong. */
    private static String chainUpTo(X509Certificate[] x, int ta) {
        if (ta == 0) {
            return null; // the server's own certificate is the anchor
        }
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(x[ta], null)));
            params.setRevocationEnabled(false);
            CertPathValidator.getInstance("PKIX").validate(cf.generateCertPath(Arrays.asList(x).subList(0, ta)), params);
            return null;
        } catch (GeneralSecurityException e) {
            return "chain to the trust anchor does not validate: " + e.getMessage();
        }
    }
}
