package warmwire.contracts.check;

import java.time.Instant;
import warmwire.contracts.control.ControlState;
import warmwire.contracts.text.BoundedText;

/**
 * NAME
 *   ControlStateCheck - is a record of mail.control an operator decision.
 * SYNOPSIS
 *   {@code Checked<ControlState> c = ControlStateCheck.check(key, value, now);}
 * DESCRIPTION
 *   Pure. The key must be {@value ControlState#ALL}, {@code message:<id>} or
 *   {@code site:<site key or MX host>}, at most {@link RecordLimits#MAX_KEY} characters. A null
 *   value is a compaction tombstone: valid, and {@link Checked#value} is then
 *   {@link ControlState#none} of the key. A value has booleans {@code held}, {@code deleted},
 *   {@code suspended} (false when absent), times {@code retryRequestedAt} and
 *   {@code updatedAt} in range when present, a {@code key} equal to the record's when present,
 *   and a {@code reason} cut to {@link BoundedText#MAX_REASON}.
 */
public final class ControlStateCheck {
    private ControlStateCheck() {
    }

    public static Checked<ControlState> check(String key, String value, Instant now) {
        return check(key, Checks.bytes(value), now);
    }

    public static Checked<ControlState> check(String key, byte[] value, Instant now) {
        String bad = key(key);
        if (bad != null) {
            return Checked.invalid(bad);
        }
        if (value == null) {
            return Checked.valid(ControlState.none(key));
        }
        return Checks.run(value, now, f -> {
            String inValue = f.text("key", false, RecordLimits.MAX_KEY);
            if (inValue != null && !inValue.equals(key)) {
                throw f.invalid("key", "differs from the record key");
            }
            return new ControlState(key, f.bool("held"), f.bool("deleted"), f.bool("suspended"),
                    f.instant("retryRequestedAt", false), f.instant("updatedAt", false),
                    f.bounded("reason", false, BoundedText.MAX_REASON));
        });
    }

    /** Why the record key is not one of mail.control's, or null. */
    private static String key(String key) {
        if (key == null) {
            return "key: null";
        }
        if (key.length() > RecordLimits.MAX_KEY) {
            return "key: " + key.length() + " characters, more than " + RecordLimits.MAX_KEY;
        }
        if (key.equals(ControlState.ALL)) {
            return null;
        }
        for (String prefix : new String[] {"message:", "site:"}) {
            if (key.startsWith(prefix)) {
                return key.length() > prefix.length() && !key.substring(prefix.length()).isBlank() ? null
                        : "key: nothing after '" + prefix + "'";
            }
        }
        return "key: not all, message:<id> or site:<site>";
    }
}
