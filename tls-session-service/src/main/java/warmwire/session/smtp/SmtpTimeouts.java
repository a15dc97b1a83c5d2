package warmwire.session.smtp;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * NAME
 *   SmtpTimeouts - the timeout of each {@link SmtpState}, immutable.
 * DESCRIPTION
 *   {@link #rfc()} gives the defaults of {@link SmtpState#rfcTimeout()}; {@link #with} returns
 *   a copy with one state changed. Tests use {@link #all} to make every state short.
 */
public final class SmtpTimeouts {
    private final Map<SmtpState, Duration> byState;

    private SmtpTimeouts(Map<SmtpState, Duration> byState) {
        this.byState = byState;
    }

    /** RFC 5321 section 4.5.3.2 (and Postfix) defaults. */
    public static SmtpTimeouts rfc() {
        EnumMap<SmtpState, Duration> m = new EnumMap<>(SmtpState.class);
        for (SmtpState s : SmtpState.values()) {
            m.put(s, s.rfcTimeout());
        }
        return new SmtpTimeouts(m);
    }

    /** The same timeout for every state. */
    public static SmtpTimeouts all(Duration d) {
        EnumMap<SmtpState, Duration> m = new EnumMap<>(SmtpState.class);
        for (SmtpState s : SmtpState.values()) {
            m.put(s, d);
        }
        return new SmtpTimeouts(m);
    }

    public SmtpTimeouts with(SmtpState state, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("timeout of " + state + " must be positive: " + d);
        }
        EnumMap<SmtpState, Duration> m = new EnumMap<>(byState);
        m.put(state, d);
        return new SmtpTimeouts(m);
    }

    public Duration of(SmtpState state) {
        return byState.get(state);
    }

    /** Milliseconds, at least 1. */
    public long millis(SmtpState state) {
        return Math.max(1, byState.get(state).toMillis());
    }

    @Override
    public String toString() {
        return byState.toString();
    }
}
