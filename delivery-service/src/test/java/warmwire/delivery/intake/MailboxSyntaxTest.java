package warmwire.delivery.intake;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MailboxSyntaxTest {

    @ParameterizedTest
    @ValueSource(strings = {
        "alice@example.com", "a.b.c@example.com", "x+tag@sub.example.co.uk", "!#$%&'*+-/=?^_`{|}~@example.com",
        "\"john doe\"@example.com", "\"a\\\"b\"@example.com", "postmaster@localhost", "user@[192.0.2.1]",
        "user@[IPv6:2001:db8::1]", "jörg@bücher.example", "用户@例子.广告", "a@b-c.d1"})
    void accepts(String mailbox) {
        assertNull(MailboxSyntax.problem(mailbox), mailbox);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "alice", "@example.com", "alice@", ".alice@example.com", "alice.@example.com", "al..ice@example.com",
        "al ice@example.com", "alice@exa mple.com", "alice@-example.com", "alice@example-.com", "alice@example..com",
        "alice@.example.com", "alice@example.com.", "\"unterminated@example.com", "a\"b@example.com",
        "alice@[300.1.1.1]", "alice@[192.0.2.1", "alice@[IPv6:zz::1]", "alice@exa_mple.com", "a<b@example.com",
        "alice@example.com\r\nRCPT TO:<evil@example.com>", "a,b@example.com"})
    void rejects(String mailbox) {
        assertNotNull(MailboxSyntax.problem(mailbox), mailbox);
    }

    @org.junit.jupiter.api.Test
    void lengthLimits() {
        assertNull(MailboxSyntax.problem("a".repeat(64) + "@example.com"));
        assertNotNull(MailboxSyntax.problem("a".repeat(65) + "@example.com"));
        assertNotNull(MailboxSyntax.problem("a@" + "b".repeat(64) + ".com"));
        String longDomain = ("d".repeat(60) + ".").repeat(4) + "com"; // 247 octets
        assertNotNull(MailboxSyntax.problem("a".repeat(10) + "@" + longDomain));
    }

    @org.junit.jupiter.api.Test
    void smtpUtf8Detection() {
        assertTrue(MailboxSyntax.needsSmtpUtf8("jörg@example.com"));
        assertFalse(MailboxSyntax.needsSmtpUtf8("joerg@example.com"));
    }
}
