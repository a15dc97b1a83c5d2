package warmwire.queue.dsn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class MailFormatTest {

    @Test
    void datesAreRfc5322InUtc() {
        assertEquals("Sat, 28 Nov 2026 10:00:00 +0000", MailFormat.date(Instant.parse("2026-11-28T10:00:00Z")));
        assertEquals("Tue, 1 Dec 2026 08:05:09 +0000", MailFormat.date(Instant.parse("2026-12-01T08:05:09.7Z")));
    }

    @Test
    void shortFieldsStayOnOneLine() {
        assertEquals("Action: failed\r\n", MailFormat.field("Action", "failed"));
    }

    @Test
    void longFieldsFoldAtSpacesBeforeColumn78() {
        String value = "smtp; 550 5.7.1 " + "word ".repeat(60).strip();
        String folded = MailFormat.field("Diagnostic-Code", value);
        assertTrue(folded.endsWith("\r\n"));
        String[] lines = folded.substring(0, folded.length() - 2).split("\r\n");
        assertTrue(lines.length > 3);
        for (int i = 0; i < lines.length; i++) {
            assertTrue(lines[i].length() <= 78, lines[i]);
            if (i > 0) {
                assertTrue(lines[i].startsWith(" "), "continuation starts with white space");
            }
        }
        assertEquals("Diagnostic-Code: " + value, Mime.unfold(folded).strip());
    }

    @Test
    void unbreakableWordsAreCutAt998() {
        String folded = MailFormat.field("X", "a".repeat(2500));
        for (String line : folded.split("\r\n")) {
            assertTrue(line.length() <= 998, "line of " + line.length());
        }
        assertEquals("X: " + "a".repeat(2500), Mime.unfold(folded).strip().replace(" ", "").replace("X:", "X: "));
        String mid = "X: " + "b".repeat(500);
        assertEquals(mid + "\r\n", MailFormat.field("X", "b".repeat(500)), "no space to fold at, under 998: one line");
    }

    @Test
    void utf8OctetsCountTowardsTheLimit() {
        String folded = MailFormat.field("To", "ü".repeat(600));
        for (String line : folded.split("\r\n")) {
            assertTrue(line.getBytes(StandardCharsets.UTF_8).length <= 998);
        }
    }

    @Test
    void wrapIndentsContinuationLines() {
        List<String> lines = MailFormat.wrap("<bob@example.net>: host mx.example.net[192.0.2.1]:25 said: 550 5.1.1 "
                + "<bob@example.net>: Recipient address rejected: User unknown (in reply to RCPT TO command)", 79, 4);
        assertTrue(lines.size() >= 2);
        assertEquals("<bob@example.net>: host mx.example.net[192.0.2.1]:25 said: 550 5.1.1", lines.get(0));
        for (int i = 1; i < lines.size(); i++) {
            assertTrue(lines.get(i).startsWith("    ") && lines.get(i).charAt(4) != ' ', lines.get(i));
            assertTrue(lines.get(i).length() <= 79, lines.get(i));
        }
        assertEquals(List.of("short"), MailFormat.wrap("short", 79, 4));
        List<String> broken = MailFormat.wrap("z".repeat(200), 79, 4);
        assertEquals(3, broken.size());
        assertEquals(200, String.join("", broken).replace(" ", "").length());
    }

    @Test
    void xtextFollowsRfc6533() {
        assertEquals("j\\x{FC}rgen@b\\x{FC}cher.example", MailFormat.xtext("jürgen@bücher.example"));
        assertEquals("a\\x{2B}b\\x{3D}c\\x{5C}d@x", MailFormat.xtext("a+b=c\\d@x"));
        assertEquals("\"a\\x{20}b\"@x", MailFormat.xtext("\"a b\"@x"), "'\"' is a QCHAR");
        assertEquals("\\x{1F600}@x", MailFormat.xtext("\uD83D\uDE00@x"));
        assertEquals("\\x{09}@x", MailFormat.xtext("\t@x"), "at least two hex digits");
        assertEquals("rfc822; a@b.example", MailFormat.addressField("a@b.example"));
        assertEquals("utf-8; \\x{5348}@x", MailFormat.addressField("午@x"));
    }

    @Test
    void asciiEscapesAndPrintableKeepsUnicode() {
        assertEquals("caf\\x{E9} ok", MailFormat.ascii("café\rok"));
        assertEquals("café ok", MailFormat.printable("café\nok"));
    }

    @Test
    void quotedPrintableRoundTripsAndKeepsLinesShort() {
        String text = "Grüße = «test» \r\n" + "ä".repeat(100) + "\r\ntrailing space \r\n";
        String qp = MailFormat.quotedPrintable(text.getBytes(StandardCharsets.UTF_8));
        for (String line : qp.split("\r\n")) {
            assertTrue(line.length() <= 76, line);
            assertTrue(line.chars().allMatch(c -> c >= 32 && c < 127), line);
            assertTrue(!line.endsWith(" "), "no trailing space: " + line);
        }
        assertEquals(text, new String(Mime.qpDecode(qp.getBytes(StandardCharsets.US_ASCII)), StandardCharsets.UTF_8));
    }
}
