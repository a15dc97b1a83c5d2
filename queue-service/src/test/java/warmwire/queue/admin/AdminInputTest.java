package warmwire.queue.admin;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** What admin input may become a key or value of mail.control. */
class AdminInputTest {

    @Test
    void siteKeysAndMxHostsPass() {
        assertNull(AdminInput.site("mx1.example.com:25/may"));
        assertNull(AdminInput.site("MX.Example.COM"));
        assertNull(AdminInput.site("[2001:db8::1]:25/encrypt"));
        assertNull(AdminInput.site("a".repeat(AdminInput.MAX_SITE)));
    }

    @Test
    void badSitesAreRefused() {
        assertNotNull(AdminInput.site(""));
        assertNotNull(AdminInput.site(null));
        assertNotNull(AdminInput.site("a".repeat(AdminInput.MAX_SITE + 1)));
        assertNotNull(AdminInput.site("mx.example.com\r\nX"));
        assertNotNull(AdminInput.site("mx example.com"));
        assertNotNull(AdminInput.site("mx.example.com\u0000"));
        assertNotNull(AdminInput.site("*"));
    }

    @Test
    void messageIdsAreBoundedAndFreeOfControlCharacters() {
        assertNull(AdminInput.messageId("0f6c3a2e-1b7d-4b0a-9b43-3f1b2c9d8e7f"));
        assertNull(AdminInput.messageId("client id with spaces"));
        assertNotNull(AdminInput.messageId(" "));
        assertNotNull(AdminInput.messageId("x".repeat(AdminInput.MAX_ID + 1)));
        assertNotNull(AdminInput.messageId("id\nforged: line"));
        assertNotNull(AdminInput.messageId("id\u001b[31m"));
    }

    @Test
    void reasonsAreOptionalBoundedAndFreeOfControlCharacters() {
        assertNull(AdminInput.reason(null));
        assertNull(AdminInput.reason("customer asked, ticket #42"));
        assertNotNull(AdminInput.reason("r".repeat(AdminInput.MAX_REASON + 1)));
        assertNotNull(AdminInput.reason("a\r\nb"));
        assertNotNull(AdminInput.reason("a\u0085b"));
    }
}
