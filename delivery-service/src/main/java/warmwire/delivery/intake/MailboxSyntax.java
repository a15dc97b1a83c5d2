package warmwire.delivery.intake;

import java.net.IDN;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

/**
 * NAME
 *   MailboxSyntax - is a string an RFC 5321 Mailbox that SMTP can carry?
 * DESCRIPTION
 *   Implements RFC 5321 section 4.1.2 (Mailbox = Local-part "@" ( Domain / address-literal ),
 *   Local-part = Dot-string / Quoted-string) with the RFC 6531 (SMTPUTF8) extension: UTF-8
 *   outside ASCII is allowed in atoms and quoted strings, and domain labels may be U-labels
 *   (checked by IDNA conversion). Length limits of section 4.5.3.1: local-part 64 octets,
 *   domain 255 octets, label 63 octets, path 256 octets. Comments, source routes and the
 *   obsolete RFC 822 forms are not accepted.
 * DIAGNOSTICS
 *   {@link #problem} returns null for a good mailbox, otherwise a short reason that names the
 *   rule broken; the reason ends up in the rejection event.
 */
public final class MailboxSyntax {
    private static final String ATEXT_SPECIALS = "!#$%&'*+-/=?^_`{|}~";

    private MailboxSyntax() {
    }

    /** Null when {@code mailbox} is valid, otherwise why not. */
    public static String problem(String mailbox) {
        if (mailbox == null || mailbox.isEmpty()) {
            return "empty address";
        }
        if (utf8Length(mailbox) + 2 > 256) {
            return "address longer than 254 octets (RFC 5321 4.5.3.1.3)";
        }
        int at = mailbox.lastIndexOf('@');
        if (at < 0) {
            return "missing '@'";
        }
        String local = mailbox.substring(0, at);
        String domain = mailbox.substring(at + 1);
        String p = localPartProblem(local);
        if (p != null) {
            return p;
        }
        return domainProblem(domain);
    }

    static String localPartProblem(String local) {
        if (local.isEmpty()) {
            return "empty local part";
        }
        if (utf8Length(local) > 64) {
            return "local part longer than 64 octets (RFC 5321 4.5.3.1.1)";
        }
        if (local.charAt(0) == '"') {
            return quotedStringProblem(local);
        }
        // Dot-string = Atom *("." Atom)
        boolean atomStart = true;
        for (int i = 0; i < local.length(); i++) {
            char c = local.charAt(i);
            if (c == '.') {
                if (atomStart) {
                    return "empty atom in local part (leading, trailing or double dot)";
                }
                atomStart = true;
            } else if (isAtext(c)) {
                atomStart = false;
            } else {
                return "character '" + printable(c) + "' not allowed in an unquoted local part";
            }
        }
        return atomStart ? "empty atom in local part (leading, trailing or double dot)" : null;
    }

    private static String quotedStringProblem(String q) {
        if (q.length() < 2 || q.charAt(q.length() - 1) != '"') {
            return "unterminated quoted local part";
        }
        for (int i = 1; i < q.length() - 1; i++) {
            char c = q.charAt(i);
            if (c == '\\') {
                i++;
                if (i >= q.length() - 1 || q.charAt(i) < 32 || q.charAt(i) > 126) {
                    return "bad quoted-pair in local part";
                }
            } else if (c == '"') {
                return "unescaped '\"' inside quoted local part";
            } else if (!(c >= 32 && c <= 126) && c < 0x80) {
                return "control character in quoted local part";
            }
        }
        return null;
    }

    static String domainProblem(String domain) {
        if (domain.isEmpty()) {
            return "empty domain";
        }
        if (domain.charAt(0) == '[') {
            return addressLiteralProblem(domain);
        }
        if (utf8Length(domain) > 255) {
            return "domain longer than 255 octets";
        }
        String[] labels = domain.split("\\.", -1);
        for (String label : labels) {
            if (label.isEmpty()) {
                return "empty label in domain '" + domain + "'";
            }
            String ascii = label;
            if (!isAscii(label)) {
                try {
                    ascii = IDN.toASCII(label, IDN.USE_STD3_ASCII_RULES);
                } catch (IllegalArgumentException e) {
                    return "invalid internationalised label '" + label + "'";
                }
            }
            if (ascii.length() > 63) {
                return "domain label longer than 63 octets";
            }
            if (!letDig(ascii.charAt(0)) || !letDig(ascii.charAt(ascii.length() - 1))) {
                return "domain label '" + label + "' must start and end with a letter or digit";
            }
            for (int i = 0; i < ascii.length(); i++) {
                char c = ascii.charAt(i);
                if (!letDig(c) && c != '-') {
                    return "character '" + printable(c) + "' not allowed in domain";
                }
            }
        }
        return null;
    }

    private static String addressLiteralProblem(String lit) {
        if (!lit.endsWith("]")) {
            return "unterminated address literal";
        }
        String inner = lit.substring(1, lit.length() - 1);
        if (inner.regionMatches(true, 0, "IPv6:", 0, 5)) {
            String v6 = inner.substring(5);
            if (!v6.contains(":") || !v6.matches("[0-9A-Fa-f:.]+") || !parses(v6)) {
                return "bad IPv6 address literal";
            }
            return null;
        }
        if (!inner.matches("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}")) {
            return "bad IPv4 address literal";
        }
        return null;
    }

    private static boolean parses(String numeric) {
        try {
            InetAddress.getByName(numeric); // numeric only: the character check above excludes names
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static boolean isAtext(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || ATEXT_SPECIALS.indexOf(c) >= 0 || (c >= 0x80 && !Character.isISOControl(c)
                && !Character.isWhitespace(c));
    }

    private static boolean letDig(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /** Whether a mailbox needs the SMTPUTF8 extension to be transmitted. */
    public static boolean needsSmtpUtf8(String mailbox) {
        return !isAscii(mailbox);
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    private static String printable(char c) {
        return c < 32 || c == 127 ? String.format("\\x%02x", (int) c) : String.valueOf(c);
    }
}
