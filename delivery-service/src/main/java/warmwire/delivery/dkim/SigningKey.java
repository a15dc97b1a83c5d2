package warmwire.delivery.dkim;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Locale;

/**
 * NAME
 *   SigningKey - one DKIM signing identity: domain (d=), selector (s=), algorithm and private key.
 * DESCRIPTION
 *   Keys are PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----", what {@code openssl genpkey} writes):
 *   RSA (rsa-sha256, RFC 6376; at least 1024 bits as RFC 8301 requires, 2048 recommended) or
 *   Ed25519 (ed25519-sha256, RFC 8463). The record to publish at
 *   {@code <selector>._domainkey.<domain>}: delivery-service README, "DKIM".
 */
public record SigningKey(String domain, String selector, Algorithm algorithm, PrivateKey key) {
    /** RFC 8301 section 3.2: signers MUST use RSA keys of at least 1024 bits. */
    static final int MIN_RSA_BITS = 1024;

    public enum Algorithm {
        RSA_SHA256("rsa-sha256", "rsa"), ED25519_SHA256("ed25519-sha256", "ed25519");

        final String tag;
        final String keyType;

        Algorithm(String tag, String keyType) {
            this.tag = tag;
            this.keyType = keyType;
        }

        public String tag() {
            return tag;
        }
    }

    public SigningKey {
        domain = domain.toLowerCase(Locale.ROOT);
    }

    /** The key in {@code pem} for {@code domain} and {@code selector}; IllegalArgumentException if unusable. */
    public static SigningKey fromPem(String domain, String selector, String pem) {
        byte[] der = der(pem);
        for (Algorithm a : Algorithm.values()) {
            PrivateKey k;
            try {
                k = KeyFactory.getInstance(a == Algorithm.RSA_SHA256 ? "RSA" : "Ed25519")
                        .generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                continue;
            }
            if (k instanceof RSAPrivateCrtKey rsa && rsa.getModulus().bitLength() < MIN_RSA_BITS) {
                throw new IllegalArgumentException("RSA key of " + rsa.getModulus().bitLength() + " bits, fewer than "
                        + MIN_RSA_BITS + " (RFC 8301)");
            }
            return new SigningKey(domain, selector, a, k);
        }
        throw new IllegalArgumentException("neither an RSA nor an Ed25519 PKCS#8 private key");
    }

    private static byte[] der(String pem) {
        String begin = "-----BEGIN PRIVATE KEY-----";
        String end = "-----END PRIVATE KEY-----";
        int b = pem.indexOf(begin);
        int e = b < 0 ? -1 : pem.indexOf(end, b);
        if (b < 0 || e < 0) {
            throw new IllegalArgumentException(pem.contains("BEGIN RSA PRIVATE KEY")
                    ? "a PKCS#1 RSA key: convert it with 'openssl pkcs8 -topk8 -nocrypt'"
                    : "no '" + begin + "' block (PKCS#8 PEM)");
        }
        try {
            return Base64.getMimeDecoder().decode(pem.substring(b + begin.length(), e));
        } catch (IllegalArgumentException x) {
            throw new IllegalArgumentException("the PEM block is not base64");
        }
    }
}
