package warmwire.session.tls;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * NAME
 *   TicketCipher - AES-256-GCM for TLS session state at rest (DESIGN principle 6).
 * DESCRIPTION
 *   The key is {@code warmwire.tls.ticket-key}: base64 of 32 random bytes, from configuration
 *   (environment WARMWIRE_TLS_TICKET_KEY), never from the repository. A sealed value is
 *   base64(key id (4 bytes) | nonce (12 random bytes) | ciphertext and tag); the key id is the
 *   start of SHA-256 of the key, so a value sealed with another key (rotation) is recognised and
 *   dropped, not misread. The store key (endpoint, SNI, HELO name) is authenticated data: a value
 *   moved to another key does not open.
 */
public final class TicketCipher {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final SecretKeySpec key;
    private final byte[] keyId;

    public TicketCipher(String base64Key) {
        if (base64Key == null || base64Key.isBlank()) {
            throw new IllegalArgumentException("warmwire.tls.ticket-key is not set: the TLS ticket store needs a key "
                    + "(base64 of 32 random bytes, e.g. head -c 32 /dev/urandom | base64), or warmwire.tls.ticket-store=false");
        }
        byte[] k;
        try {
            k = Base64.getDecoder().decode(base64Key.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("warmwire.tls.ticket-key is not base64");
        }
        if (k.length != 32) {
            throw new IllegalArgumentException("warmwire.tls.ticket-key must be 32 bytes (base64 of 32 random bytes), not " + k.length);
        }
        this.key = new SecretKeySpec(k, "AES");
        try {
            this.keyId = Arrays.copyOf(MessageDigest.getInstance("SHA-256").digest(k), 4);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public String seal(byte[] plain, String aad) {
        try {
            byte[] nonce = new byte[12];
            RANDOM.nextBytes(nonce);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
            c.updateAAD(aad.getBytes(StandardCharsets.UTF_8));
            byte[] ct = c.doFinal(plain);
            return Base64.getEncoder().encodeToString(ByteBuffer.allocate(4 + 12 + ct.length).put(keyId).put(nonce).put(ct).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM: " + e, e);
        }
    }

    /** The plain bytes, or null when the value is not one this key sealed for {@code aad} (other key, tampered, garbage). */
    public byte[] open(String sealed, String aad) {
        try {
            byte[] all = Base64.getDecoder().decode(sealed);
            if (all.length < 4 + 12 + 16 || !MessageDigest.isEqual(Arrays.copyOf(all, 4), keyId)) {
                return null;
            }
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, all, 4, 12));
            c.updateAAD(aad.getBytes(StandardCharsets.UTF_8));
            return c.doFinal(all, 16, all.length - 16);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return null;
        }
    }
}
