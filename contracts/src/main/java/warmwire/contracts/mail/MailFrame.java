package warmwire.contracts.mail;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * NAME
 *   MailFrame - a record value that carries a message: its envelope as JSON, then its body as
 *   raw bytes.
 * DESCRIPTION
 *   The body travels from intake to the socket in one binary form: mail.route, the retry tiers
 *   (a {@link QueuedMessage}) and mail.deliver (a route.DeliveryJob, {@code DeliveryJob.framed})
 *   carry it after the envelope, not base64 inside JSON, so no hop encodes, escapes, scans or
 *   decodes it (a third more bytes through the broker, and the largest string each JSON parser
 *   saw, before). Layout:
 *     4 bytes   magic 0x00 'W' 'W' 0x01 (a JSON value never starts with 0x00)
 *     4 bytes   length n of the envelope, big-endian
 *     n bytes   the envelope: the record's UTF-8 JSON without its content
 *     the rest  the body
 *   A value that does not start with the magic is the older form: JSON with the body in
 *   {@code contentBase64}; readers take both ({@link warmwire.contracts.check}), so records
 *   written before an upgrade are still delivered. mail.outcome keeps JSON: its message (for a
 *   retry or a DSN) rides only with recipients that were not delivered.
 */
public final class MailFrame {
    private static final byte[] MAGIC = {0, 'W', 'W', 1};
    private static final int HEAD = MAGIC.length + 4;

    private MailFrame() {
    }

    /** The envelope and the body of a framed value. */
    public record Parts(byte[] envelope, byte[] body) {
    }

    /** The framed value of {@code m}: its JSON without the body, then the body. */
    public static byte[] of(QueuedMessage m, ObjectWriter json) throws JsonProcessingException {
        return write(json.writeValueAsBytes(m.withContent(null)), m.content());
    }

    /** The value of {@code envelope} (JSON) and {@code body}. */
    public static byte[] write(byte[] envelope, byte[] body) {
        byte[] b = body == null ? new byte[0] : body;
        ByteBuffer out = ByteBuffer.allocate(HEAD + envelope.length + b.length);
        out.put(MAGIC).putInt(envelope.length).put(envelope).put(b);
        return out.array();
    }

    /** Whether {@code value} is framed (else: the older JSON form, or not a message at all). */
    public static boolean framed(byte[] value) {
        return value != null && value.length >= HEAD && value[0] == MAGIC[0] && value[1] == MAGIC[1]
                && value[2] == MAGIC[2] && value[3] == MAGIC[3];
    }

    /** The parts of a framed value; IllegalArgumentException when the frame is cut or its length is wrong. */
    public static Parts read(byte[] value) {
        if (!framed(value)) {
            throw new IllegalArgumentException("not a framed message");
        }
        int n = ByteBuffer.wrap(value, MAGIC.length, 4).getInt();
        if (n < 0 || n > value.length - HEAD) {
            throw new IllegalArgumentException("envelope length " + n + " does not fit a value of " + value.length + " bytes");
        }
        return new Parts(Arrays.copyOfRange(value, HEAD, HEAD + n), Arrays.copyOfRange(value, HEAD + n, value.length));
    }
}
