package warmwire.queue.dsn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict little MIME reader for the tests (no Jakarta Mail on the classpath): entities split at
 * the first empty line, header fields unfolded, multipart bodies split at their delimiter lines
 * (RFC 2046 section 5.1.1: the CRLF in front of a delimiter belongs to the delimiter), and
 * checks of the wire form (CRLF only, lines of at most 998 octets, no NUL).
 */
final class Mime {
    /** One entity: its header fields (raw, folded as written) and its body. */
    record Entity(List<String> rawFields, byte[] body) {
        /** The unfolded value of the first field of that name, null when absent. */
        String header(String name) {
            for (String f : rawFields) {
                int colon = f.indexOf(':');
                if (f.substring(0, colon).equalsIgnoreCase(name)) {
                    return unfold(f.substring(colon + 1)).strip();
                }
            }
            return null;
        }

        int count(String name) {
            int n = 0;
            for (String f : rawFields) {
                if (f.substring(0, f.indexOf(':')).equalsIgnoreCase(name)) {
                    n++;
                }
            }
            return n;
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** The media type without parameters, lower case; text/plain when absent (RFC 2045 5.2). */
        String type() {
            String ct = header("Content-Type");
            return ct == null ? "text/plain" : ct.split(";")[0].strip().toLowerCase(Locale.ROOT);
        }

        String param(String header, String name) {
            String v = header(header);
            Matcher m = Pattern.compile("(?i);\\s*" + Pattern.quote(name) + "=(\"([^\"]*)\"|[^;\\s]+)").matcher(v);
            return m.find() ? (m.group(2) != null ? m.group(2) : m.group(1)) : null;
        }

        /** The body with its Content-Transfer-Encoding undone (7bit, 8bit, quoted-printable, base64). */
        byte[] decoded() {
            String cte = header("Content-Transfer-Encoding");
            if (cte == null || cte.equalsIgnoreCase("7bit") || cte.equalsIgnoreCase("8bit")) {
                return body;
            }
            if (cte.equalsIgnoreCase("base64")) {
                return java.util.Base64.getMimeDecoder().decode(body);
            }
            if (cte.equalsIgnoreCase("quoted-printable")) {
                return qpDecode(body);
            }
            throw new AssertionError("unexpected Content-Transfer-Encoding " + cte);
        }
    }

    private Mime() {
    }

    static Entity parse(byte[] msg) {
        List<String> fields = new ArrayList<>();
        int pos = 0;
        StringBuilder current = null;
        while (true) {
            int eol = indexOf(msg, "\r\n".getBytes(StandardCharsets.US_ASCII), pos);
            if (eol < 0) {
                fail("header section without an empty line");
            }
            String line = new String(msg, pos, eol - pos, StandardCharsets.UTF_8);
            pos = eol + 2;
            if (line.isEmpty()) {
                break;
            }
            if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                assertNotNull(current, "continuation line without a field: " + line);
                current.append("\r\n").append(line);
            } else {
                assertTrue(line.matches("[\\x21-\\x39\\x3b-\\x7e]+:.*"), "not a header field: " + line);
                current = new StringBuilder(line);
                fields.add(null);
            }
            fields.set(fields.size() - 1, current.toString());
        }
        return new Entity(fields, Arrays.copyOfRange(msg, pos, msg.length));
    }

    /** The parts of a multipart entity; checks the close delimiter is there. */
    static List<Entity> parts(Entity multipart) {
        String boundary = multipart.param("Content-Type", "boundary");
        assertNotNull(boundary, "multipart without boundary");
        assertTrue(boundary.length() >= 1 && boundary.length() <= 70, "boundary length");
        byte[] body = multipart.body();
        byte[] first = ("--" + boundary + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] delim = ("\r\n--" + boundary).getBytes(StandardCharsets.US_ASCII);
        int start = body.length >= first.length && startsWith(body, first, 0) ? 0 : indexOf(body, delim, 0) + 2;
        assertTrue(start >= 0, "no first delimiter");
        List<Entity> parts = new ArrayList<>();
        int pos = start + first.length;
        while (true) {
            int next = indexOf(body, delim, pos);
            if (next < 0) {
                fail("no closing delimiter");
            }
            parts.add(parse(Arrays.copyOfRange(body, pos, next)));
            int after = next + delim.length;
            if (startsWith(body, "--".getBytes(StandardCharsets.US_ASCII), after)) {
                break;
            }
            assertTrue(startsWith(body, "\r\n".getBytes(StandardCharsets.US_ASCII), after), "delimiter line not ended");
            pos = after + 2;
        }
        return parts;
    }

    /** Every line ends with CRLF, no bare CR or LF, no NUL, no line longer than 998 octets. */
    static void assertWireClean(byte[] msg) {
        int line = 0;
        for (int i = 0; i < msg.length; i++) {
            byte b = msg[i];
            assertTrue(b != 0, "NUL at " + i);
            if (b == '\r') {
                assertTrue(i + 1 < msg.length && msg[i + 1] == '\n', "bare CR at " + i);
                i++;
                line = 0;
            } else if (b == '\n') {
                fail("bare LF at " + i);
            } else {
                line++;
                assertTrue(line <= 998, "line longer than 998 octets ending near " + i);
            }
        }
        assertEquals('\n', msg[msg.length - 1], "message does not end with CRLF");
    }

    /** A message/delivery-status body: groups of fields separated by empty lines, unfolded. */
    static List<Map<String, String>> statusGroups(byte[] body) {
        String s = new String(body, StandardCharsets.US_ASCII);
        List<Map<String, String>> groups = new ArrayList<>();
        for (String block : s.split("\r\n\r\n")) {
            if (block.isBlank()) {
                continue;
            }
            Map<String, String> g = new LinkedHashMap<>();
            for (String f : unfold(block).split("\r\n")) {
                int colon = f.indexOf(':');
                assertTrue(colon > 0, "not a field: " + f);
                String name = f.substring(0, colon);
                assertTrue(g.put(name.toLowerCase(Locale.ROOT), f.substring(colon + 1).strip()) == null,
                        "repeated field " + name);
            }
            groups.add(g);
        }
        return groups;
    }

    static String unfold(String s) {
        return s.replaceAll("\r\n(?=[ \t])", "");
    }

    static byte[] qpDecode(byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < in.length; i++) {
            byte b = in[i];
            if (b == '=') {
                if (in[i + 1] == '\r' && in[i + 2] == '\n') {
                    i += 2;
                    continue;
                }
                out.write(Integer.parseInt(new String(in, i + 1, 2, StandardCharsets.US_ASCII), 16));
                i += 2;
            } else {
                out.write(b);
            }
        }
        return out.toByteArray();
    }

    static int indexOf(byte[] hay, byte[] needle, int from) {
        for (int i = Math.max(0, from); i + needle.length <= hay.length; i++) {
            if (startsWith(hay, needle, i)) {
                return i;
            }
        }
        return -1;
    }

    static boolean startsWith(byte[] hay, byte[] prefix, int at) {
        if (at < 0 || at + prefix.length > hay.length) {
            return false;
        }
        for (int j = 0; j < prefix.length; j++) {
            if (hay[at + j] != prefix[j]) {
                return false;
            }
        }
        return true;
    }
}
