package warmwire.delivery.dkim;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * NAME
 *   DkimSigner - adds DKIM-Signature fields (RFC 6376) to a message, c=relaxed/relaxed.
 * DESCRIPTION
 *   Pure. The message is first given CR LF line ends ({@link MessageText#crlf}), the form the
 *   SMTP client sends. The body hash (bh=) is SHA-256 of the relaxed body (section 3.4.4, no
 *   l=). The signed header fields (h=) are those of {@code headers} the message has, each as
 *   often as it occurs, taken from the bottom up (section 5.4.2); the names in {@code oversign}
 *   are listed once more, so that a field of that name added later breaks the signature
 *   (section 8.15). The signature covers the relaxed signed fields, then this DKIM-Signature
 *   field with an empty b= and no final CR LF (section 3.7):
 *   rsa-sha256 is RSASSA-PKCS1-v1_5 over those bytes; ed25519-sha256 (RFC 8463 section 3) is
 *   PureEdDSA Ed25519 over their SHA-256 hash. Each key gives one field; the fields go on top of
 *   the message in the keys' order, so the last key's field is the first line. A signature
 *   carries t= (the signing time) and, with {@code expire} above zero, x=.
 */
public final class DkimSigner {
    /**
     * The fields signed when present: RFC 6376 5.4.1's list and what list and feedback mail adds
     * (RFC 2369, RFC 8058's List-Unsubscribe-Post, Feedback-ID).
     */
    public static final List<String> HEADERS = List.of("from", "reply-to", "subject", "date", "to", "cc",
            "message-id", "in-reply-to", "references", "mime-version", "content-type", "content-transfer-encoding",
            "content-id", "content-description", "resent-date", "resent-from", "resent-sender", "resent-to",
            "resent-cc", "resent-message-id", "list-id", "list-help", "list-unsubscribe", "list-subscribe",
            "list-post", "list-owner", "list-archive", "list-unsubscribe-post", "feedback-id");
    /** Listed once more than they occur: adding one of them breaks the signature. */
    public static final Set<String> OVERSIGN = Set.of("from", "reply-to", "subject", "date", "to", "cc",
            "message-id", "mime-version", "content-type", "content-transfer-encoding", "list-unsubscribe",
            "list-unsubscribe-post");

    private DkimSigner() {
    }

    /** The signed message: {@code message} with CR LF line ends and one DKIM-Signature per key on top. */
    public static byte[] sign(byte[] message, List<SigningKey> keys, Instant now, Duration expire) {
        return sign(message, keys, now, expire, HEADERS, OVERSIGN);
    }

    public static byte[] sign(byte[] message, List<SigningKey> keys, Instant now, Duration expire,
                              List<String> headers, Set<String> oversign) {
        return sign(MessageText.parse(MessageText.crlf(message)), keys, now, expire, headers, oversign);
    }

    /** As above, for a message parsed already (its bytes have CR LF line ends). */
    public static byte[] sign(MessageText text, List<SigningKey> keys, Instant now, Duration expire,
                              List<String> headers, Set<String> oversign) {
        if (text.fromDomain() == null) {
            throw new IllegalArgumentException("the message has no From field with an address (RFC 6376 5.4 signs From)");
        }
        String bodyHash = Base64.getEncoder().encodeToString(sha256(Relaxed.body(text.bytes(), text.bodyStart())));
        List<MessageText.Field> signed = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (String name : headers) {
            String n = name.toLowerCase(Locale.ROOT);
            List<MessageText.Field> present = text.fields().stream().filter(f -> f.name().equals(n)).toList();
            for (int i = present.size() - 1; i >= 0; i--) { // bottom up
                signed.add(present.get(i));
                names.add(n);
            }
            if (oversign.contains(n)) {
                names.add(n);
            }
        }
        StringBuilder canonical = new StringBuilder();
        for (MessageText.Field f : signed) {
            canonical.append(Relaxed.header(f.raw()));
        }
        StringBuilder top = new StringBuilder();
        for (SigningKey k : keys) {
            String field = "DKIM-Signature: v=1; a=" + k.algorithm().tag() + "; c=relaxed/relaxed; d=" + k.domain()
                    + "; s=" + k.selector() + ";\r\n\tt=" + now.getEpochSecond()
                    + (expire != null && !expire.isZero() && !expire.isNegative()
                            ? "; x=" + now.plus(expire).getEpochSecond() : "")
                    + "; h=" + fold(String.join(":", names)) + ";\r\n\tbh=" + bodyHash + ";\r\n\tb=";
            String relaxedField = Relaxed.header(field);
            byte[] data = (canonical + relaxedField.substring(0, relaxedField.length() - 2))
                    .getBytes(StandardCharsets.ISO_8859_1);
            top.insert(0, field + signature(k, data) + "\r\n");
        }
        byte[] head = top.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = new byte[head.length + text.bytes().length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(text.bytes(), 0, out, head.length, text.bytes().length);
        return out;
    }

    /** h= folded at colons into lines of at most ~72 characters. */
    private static String fold(String list) {
        StringBuilder b = new StringBuilder(list.length() + 16);
        int line = 0;
        for (String part : list.split(":")) {
            if (b.length() > 0) {
                b.append(':');
                line++;
                if (line + part.length() > 64) {
                    b.append("\r\n\t ");
                    line = 0;
                }
            }
            b.append(part);
            line += part.length();
        }
        return b.toString();
    }

    private static String signature(SigningKey k, byte[] data) {
        try {
            Signature s;
            if (k.algorithm() == SigningKey.Algorithm.RSA_SHA256) {
                s = Signature.getInstance("SHA256withRSA");
                s.initSign(k.key());
                s.update(data);
            } else {
                s = Signature.getInstance("Ed25519");
                s.initSign(k.key());
                s.update(sha256(data));
            }
            return Base64.getEncoder().encodeToString(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(k.algorithm().tag() + " signing failed: " + e.getMessage(), e);
        }
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
