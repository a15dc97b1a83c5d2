package warmwire.contracts.check;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.function.Function;

/** The common frame of the record checks: parse, read, and never throw. */
final class Checks {
    private Checks() {
    }

    static byte[] bytes(String value) {
        return value == null ? null : value.getBytes(StandardCharsets.UTF_8);
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
