package warmwire.session.smtp;

/**
 * NAME
 *   SmtpSettings - what every session of this client shares.
 * DESCRIPTION
 *   {@code heloName} is sent in EHLO/HELO; {@code timeouts} guards each state;
 *   {@code maxLineLength} bounds one reply line (RFC 5321 says 512; real servers exceed it).
 */
public record SmtpSettings(String heloName, SmtpTimeouts timeouts, int maxLineLength) {

    public SmtpSettings {
        if (heloName == null || heloName.isBlank() || heloName.matches(".*[\\s<>].*")) {
            throw new IllegalArgumentException("bad HELO name: " + heloName);
        }
    }

    public SmtpSettings(String heloName, SmtpTimeouts timeouts) {
        this(heloName, timeouts, 8192);
    }
}
