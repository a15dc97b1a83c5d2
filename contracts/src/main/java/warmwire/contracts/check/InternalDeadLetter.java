package warmwire.contracts.check;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import warmwire.contracts.Topics;
import warmwire.contracts.text.BoundedText;

/**
 * NAME
 *   InternalDeadLetter - a record of {@link Topics#INTERNAL_DLQ}: an internal record no service
 *   could take, and why.
 * DESCRIPTION
 *   Key: the source record's key. Value: this record as JSON ({@link #json}):
 *   {@code {"topic", "partition", "offset", "key", "service", "reason", "timestamp",
 *   "value" | "valueBase64", "valueBytes", "truncated"}}. The original value is kept as its
 *   first {@link #MAX_VALUE} bytes: as text when they are UTF-8 ({@code value}), else base64
 *   ({@code valueBase64}); {@code valueBytes} is the whole value's size, {@code truncated}
 *   whether bytes were left out. {@code value} is absent for a null value. The key is cut to
 *   {@link RecordLimits#MAX_KEY} characters and the reason to {@link BoundedText#MAX_REASON}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record InternalDeadLetter(String topic, int partition, long offset, String key, String service, String reason,
                                 Instant timestamp, String value, String valueBase64, long valueBytes,
                                 boolean truncated) {
    /** Most bytes of the original value kept. */
    public static final int MAX_VALUE = 64 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The dead letter of the record at {@code topic}/{@code partition}@{@code offset}. */
    public static InternalDeadLetter of(String topic, int partition, long offset, String key, String service,
                                        String reason, byte[] value, Instant now) {
        String text = null;
        String base64 = null;
        long size = value == null ? 0 : value.length;
        boolean cut = value != null && value.length > MAX_VALUE;
        if (value != null) {
            byte[] head = cut ? Arrays.copyOf(value, MAX_VALUE) : value;
            text = utf8(head, cut);
            if (text == null) {
                base64 = Base64.getEncoder().encodeToString(head);
            }
        }
        return new InternalDeadLetter(topic, partition, offset, BoundedText.truncate(key, RecordLimits.MAX_KEY), service,
                BoundedText.truncate(reason == null ? "no reason given" : reason, BoundedText.MAX_REASON), now, text,
                base64, size, cut);
    }

    /** As {@link #of(String, int, long, String, String, String, byte[], Instant)} for a value read as text. */
    public static InternalDeadLetter of(String topic, int partition, long offset, String key, String service,
                                        String reason, String value, Instant now) {
        return of(topic, partition, offset, key, service, reason,
                value == null ? null : value.getBytes(StandardCharsets.UTF_8), now);
    }

    /** This dead letter as the JSON value of its record (UTF-8). */
    public byte[] json() {
        ObjectNode n = JSON.createObjectNode();
        n.put("topic", topic).put("partition", partition).put("offset", offset);
        if (key != null) {
            n.put("key", key);
        }
        n.put("service", service).put("reason", reason).put("timestamp", timestamp.toString());
        if (value != null) {
            n.put("value", value);
        }
        if (valueBase64 != null) {
            n.put("valueBase64", valueBase64);
        }
        n.put("valueBytes", valueBytes).put("truncated", truncated);
        try {
            return JSON.writeValueAsBytes(n);
        } catch (Exception e) {
            throw new IllegalStateException("dead letter not writable as JSON", e);
        }
    }

    /** {@link #json} as text. */
    public String jsonText() {
        return new String(json(), StandardCharsets.UTF_8);
    }

    /**
     * The bytes as UTF-8 text, or null when they are not UTF-8; a cut value may end inside a
     * character, whose partial bytes (at most 3) are dropped.
     */
    private static String utf8(byte[] b, boolean cut) {
        int end = b.length;
        for (int drop = 0; drop <= (cut ? 3 : 0) && end - drop >= 0; drop++) {
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, 0, end - drop))
                        .toString();
            } catch (CharacterCodingException e) {
                // try one byte fewer
            }
        }
        return null;
    }
}
