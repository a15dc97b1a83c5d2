package warmwire.contracts.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BoundedTextTest {

    @Test
    void shortTextIsKept() {
        String s = "250 2.0.0 Ok";
        assertSame(s, BoundedText.truncate(s, 1024));
        assertFalse(BoundedText.truncated(s));
    }

    @Test
    void longTextIsCutToTheLimitAndMarked() {
        String s = "x".repeat(100_000);
        String t = BoundedText.truncate(s, 1024);
        assertEquals(1024, t.length());
        assertTrue(t.endsWith(BoundedText.MARK));
        assertTrue(BoundedText.truncated(t));
    }

    @Test
    void aCutNeverSplitsASurrogatePair() {
        String pair = "\uD83D\uDE00"; // one emoji, two chars
        int max = 30;
        String s = "a".repeat(max - BoundedText.MARK.length() - 1) + pair + "tail";
        String t = BoundedText.truncate(s, max);
        assertTrue(t.length() <= max);
        assertFalse(Character.isHighSurrogate(t.charAt(t.length() - BoundedText.MARK.length() - 1)));
    }

    @Test
    void controlCharactersAreEscapedForLogLines() {
        assertEquals("a\\r\\nb: forged\\x1b[31m\\\\", BoundedText.escape("a\r\nb: forged\u001b[31m\\"));
        assertEquals("plain text, ümlaut", BoundedText.escape("plain text, ümlaut"));
        assertEquals("\\x85", BoundedText.escape("\u0085"));
    }
}
