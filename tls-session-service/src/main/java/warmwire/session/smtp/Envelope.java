package warmwire.session.smtp;

import java.util.List;

/**
 * NAME
 *   Envelope - one SMTP mail transaction: sender, recipients, and the raw message.
 * DESCRIPTION
 *   {@code from} may be "" (the null sender, sent as {@code MAIL FROM:<>}). The content is the
 *   message as submitted; {@link DotStuffer} makes it SMTP-safe while it is sent. Addresses
 *   with CR, LF, NUL or angle brackets are refused here, so no command can be injected.
 *   {@code requireTls}: REQUIRETLS (RFC 8689), sent only over verified TLS to a server that
 *   offers it.
 */
public record Envelope(String from, List<String> recipients, byte[] content, boolean requireTls) {

    /** An envelope without REQUIRETLS. */
    public Envelope(String from, List<String> recipients, byte[] content) {
        this(from, recipients, content, false);
    }

    /** The same envelope for other recipients. */
    public Envelope withRecipients(List<String> rcpts) {
        return new Envelope(from, rcpts, content, requireTls);
    }

    public Envelope {
        from = from == null ? "" : from;
        recipients = List.copyOf(recipients);
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("an envelope needs at least one recipient");
        }
        check(from);
        for (String r : recipients) {
            check(r);
        }
    }

    private static void check(String address) {
        for (int i = 0; i < address.length(); i++) {
            char c = address.charAt(i);
            if (c == '\r' || c == '\n' || c == 0 || c == '<' || c == '>') {
                throw new IllegalArgumentException("address contains a forbidden character: " + address.replaceAll("[\\r\\n\\x00]", "?"));
            }
        }
    }

    /** Whether the body has bytes above 127 (then BODY=8BITMIME is declared when offered). */
    public boolean eightBit() {
        for (byte b : content) {
            if (b < 0) {
                return true;
            }
        }
        return false;
    }

    /** Whether an address is not ASCII (then SMTPUTF8 is declared when offered). */
    public boolean needsSmtpUtf8() {
        if (!ascii(from)) {
            return true;
        }
        for (String r : recipients) {
            if (!ascii(r)) {
                return true;
            }
        }
        return false;
    }

    private static boolean ascii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 0x7f) {
                return false;
            }
        }
        return true;
    }
}
