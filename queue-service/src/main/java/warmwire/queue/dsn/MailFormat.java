package warmwire.queue.dsn;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * NAME
 *   MailFormat - the small pieces of RFC 5322/2045/6533 syntax the DSN writer needs.
 * DESCRIPTION
 *   Dates in RFC 5322 section 3.3 form, always UTC ({@code +0000}). Header fields folded at white
 *   space before column 78 (RFC 5322 section 2.2.3), never longer than 998 octets: a word that
 *   does not fit is broken, which adds a space to that (pathological) value. Human text wrapped
 *   at 79 columns with a four-space indent after the first line, as Postfix's bounce text.
 *   RFC 6533 utf-8-addr-xtext for non-ASCII addresses, the same {@code \x{HEX}} escape for
 *   non-ASCII in fields that must stay US-ASCII, and quoted-printable (RFC 2045 section 6.7).
 */
final class MailFormat {
    static final String CRLF = "\r\n";
    /** The hard limit of RFC 5322 section 2.1.1, without the CRLF. */
    static final int MAX_LINE = 998;
    private static final int FOLD_AT = 78;
    private static final DateTimeFormatter DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.US).withZone(ZoneOffset.UTC);

    private MailFormat() {
    }

    /** RFC 5322 date-time in UTC: {@code Sat, 28 Nov 2026 10:00:00 +0000}. */
    static String date(Instant t) {
        return DATE.format(t);
    }

    /** One header field, folded, ending with CRLF. {@code value} must not contain CR or LF. */
    static String field(String name, String value) {
        String line = name + ": " + value;
        StringBuilder out = new StringBuilder(line.length() + 8);
        int minCut = name.length() + 2; // not right after "Name:": that fold gains nothing
        while (utf8Length(line) > FOLD_AT) {
            int cut = -1;
            for (int i = Math.min(FOLD_AT, line.length() - 1); i >= minCut; i--) {
                if (line.charAt(i) == ' ' && !onlySpaceBefore(line, i)) {
                    cut = i;
                    break;
                }
            }
            if (cut < 0) {
                for (int i = Math.max(FOLD_AT + 1, minCut); i < line.length(); i++) {
                    if (line.charAt(i) == ' ') {
                        cut = i;
                        break;
                    }
                }
            }
            if (cut < 0 || utf8Length(line.substring(0, cut)) > MAX_LINE) {
                int hard = fitting(line, MAX_LINE);
                if (hard >= line.length()) {
                    break;
                }
                out.append(line, 0, hard).append(CRLF);
                line = " " + line.substring(hard);
                minCut = 1;
                continue;
            }
            out.append(line, 0, cut).append(CRLF);
            line = line.substring(cut);
            minCut = 1;
        }
        return out.append(line).append(CRLF).toString();
    }

    /** Whether everything in front of {@code i} is white space (a fold there would leave an empty line). */
    private static boolean onlySpaceBefore(String s, int i) {
        for (int k = 0; k < i; k++) {
            if (s.charAt(k) != ' ' && s.charAt(k) != '\t') {
                return false;
            }
        }
        return true;
    }

    /** The longest prefix length of {@code s} (in chars, not splitting a surrogate pair) within {@code max} UTF-8 octets. */
    private static int fitting(String s, int max) {
        int octets = 0;
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            int len = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
            if (octets + len > max) {
                break;
            }
            octets += len;
            i += Character.charCount(cp);
        }
        return i;
    }

    /**
     * Wraps one logical line at spaces to lines of at most {@code width} characters; lines after
     * the first are indented by {@code indent} spaces. A word longer than a line is broken.
     */
    static List<String> wrap(String text, int width, int indent) {
        List<String> out = new ArrayList<>();
        String pad = " ".repeat(indent);
        String rest = text.strip();
        String prefix = "";
        while (!rest.isEmpty()) {
            int room = width - prefix.length();
            if (rest.length() <= room) {
                out.add(prefix + rest);
                break;
            }
            int cut = rest.lastIndexOf(' ', room);
            if (cut <= 0) {
                cut = Character.isHighSurrogate(rest.charAt(room - 1)) ? room - 1 : room;
            }
            out.add(prefix + rest.substring(0, cut).stripTrailing());
            rest = rest.substring(cut).stripLeading();
            prefix = pad;
        }
        return out;
    }

    /** Text for a US-ASCII-only field: controls become spaces, non-ASCII becomes {@code \x{HEX}}. */
    static String ascii(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> {
            if (cp < 0x20 || cp == 0x7f) {
                b.append(' ');
            } else if (cp < 0x80) {
                b.append((char) cp);
            } else {
                b.append("\\x{").append(Integer.toHexString(cp).toUpperCase(Locale.ROOT)).append('}');
            }
        });
        return b.toString();
    }

    /** Text for a human-readable line: controls (CR, LF, TAB, ...) become spaces; Unicode stays. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> {
            if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp == 0x2028 || cp == 0x2029) {
                b.append(' ');
            } else {
                b.appendCodePoint(cp);
            }
        });
        return b.toString();
    }

    /**
     * An address as an RFC 3464 address-type value: {@code rfc822; a@b} for ASCII, else
     * RFC 6533 {@code utf-8; <utf-8-addr-xtext>} (7-bit, safe in message/delivery-status).
     */
    static String addressField(String address) {
        return isAscii(address) ? "rfc822; " + ascii(address) : "utf-8; " + xtext(address);
    }

    /**
     * RFC 6533 section 3 utf-8-addr-xtext: QCHAR (printable ASCII except '\', '+', '=') as is,
     * everything else as {@code \x{HEXPOINT}}, upper-case hex, at least two digits, no other zeros
     * in front.
     */
    static String xtext(String address) {
        StringBuilder b = new StringBuilder(address.length() + 16);
        address.codePoints().forEach(cp -> {
            if (cp > 0x20 && cp < 0x7f && cp != '\\' && cp != '+' && cp != '=') {
                b.append((char) cp);
            } else {
                String hex = Integer.toHexString(cp).toUpperCase(Locale.ROOT);
                b.append("\\x{").append(hex.length() < 2 ? "0" + hex : hex).append('}');
            }
        });
        return b.toString();
    }

    static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c)) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /**
     * Quoted-printable of text whose lines end with CRLF (RFC 2045 section 6.7): CRLF stays a
     * hard line break, '=' and bytes outside 33..126 (but space and tab inside a line) are
     * encoded, space or tab before a line end is encoded, soft breaks keep lines within 76.
     */
    static String quotedPrintable(byte[] text) {
        StringBuilder out = new StringBuilder(text.length + text.length / 4);
        int col = 0;
        for (int i = 0; i < text.length; i++) {
            int b = text[i] & 0xff;
            if (b == '\r' && i + 1 < text.length && text[i + 1] == '\n') {
                out.append(CRLF);
                col = 0;
                i++;
                continue;
            }
            boolean lineEnd = i + 1 >= text.length
                    || (text[i + 1] == '\r' && i + 2 < text.length && text[i + 2] == '\n');
            String piece;
            if ((b >= 33 && b <= 126 && b != '=') || ((b == ' ' || b == '\t') && !lineEnd)) {
                piece = String.valueOf((char) b);
            } else {
                piece = String.format(Locale.ROOT, "=%02X", b);
            }
            if (col + piece.length() > 75) {
                out.append('=').append(CRLF);
                col = 0;
            }
            out.append(piece);
            col += piece.length();
        }
        return out.toString();
    }
}
