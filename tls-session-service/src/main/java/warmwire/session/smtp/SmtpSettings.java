package warmwire.session.smtp;

/**
 * NAME
 *   SmtpSettings - what every session of this client shares.
 * DESCRIPTION
 *   {@code heloName} is sent in EHLO/HELO; {@code timeouts} guards each state;
 *   {@code limits} bound what a server may send ({@link ReplyLimits}); {@code chunking}: send
 *   the message with BDAT (RFC 3030) when the server offers CHUNKING and PIPELINING.
 */
public record SmtpSettings(String heloName, SmtpTimeouts timeouts, ReplyLimits limits, boolean chunking) {

    public SmtpSettings {
        if (heloName == null || heloName.isBlank() || heloName.matches(".*[\\s<>].*")) {
            throw new IllegalArgumentException("bad HELO name: " + heloName);
        }
        if (limits == null) {
            limits = ReplyLimits.DEFAULT;
        }
    }

    public SmtpSettings(String heloName, SmtpTimeouts timeouts, ReplyLimits limits) {
        this(heloName, timeouts, limits, true);
    }

    public SmtpSettings(String heloName, SmtpTimeouts timeouts) {
        this(heloName, timeouts, ReplyLimits.DEFAULT);
    }
}
