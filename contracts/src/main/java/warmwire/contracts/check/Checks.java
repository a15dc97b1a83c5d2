package warmwire.contracts.check;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.function.Function;
import warmwire.contracts.mail.MailFrame;

/** The common frame of the record checks: parse, read, and never throw. */
final class Checks {
    private Checks() {
    }

    static byte[] bytes(String value) {
        return value == null ? null : value.getBytes(StandardCharsets.UTF_8);
    }

    /** What a message record's reader gets: the envelope's fields and the body. */
    interface MessageReader<T> {
        T read(Fields envelope, byte[] body);
    }

    /**
     * {@code read} applied to a record that carries a message: a {@link MailFrame} (the envelope
     * parsed, the body as it is), or the older form, JSON with the body base64 in
     * {@code contentBase64} (strict base64, no line breaks); any failure becomes a reason.
     */
    static <T> Checked<T> runMessage(byte[] value, Instant now, MessageReader<T> read) {
        if (!MailFrame.framed(value)) {
            return run(value, now, f -> read.read(f, base64(f.text("contentBase64", true, Integer.MAX_VALUE))));
        }
        MailFrame.Parts parts;
        try {
            parts = MailFrame.read(value);
        } catch (IllegalArgumentException e) {
            return Checked.invalid("value: " + e.getMessage());
        }
        return run(parts.envelope(), now, f -> read.read(f, parts.body()));
    }

    /** Strict base64 (no line breaks), else the record is invalid. */
    static byte[] base64(String text) {
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new Fields.Invalid("contentBase64: not base64: " + e.getMessage());
        }
    }

    /** {@code read} applied to the parsed value; any failure becomes a reason. */
    static <T> Checked<T> run(byte[] value, Instant now, Function<Fields, T> read) {
        try {
            return Checked.valid(read.apply(Fields.parse(value, now)));
        } catch (Fields.Invalid e) {
            return Checked.invalid(e.getMessage());
        } catch (RuntimeException | StackOverflowError e) {
            // a rule the readers did not foresee (a constructor's own check): still a reason
            return Checked.invalid("value: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
