package warmwire.contracts.classify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ReplyRulesTest {
    private final ReplyRules rules = ReplyRules.defaults();

    private void is(ReplyClass c, boolean throttle, String code, String text) {
        ReplyRules.Verdict v = rules.judge(code, text);
        assertEquals(c, v.replyClass(), code + " " + text);
        assertEquals(throttle, v.throttle(), "throttle: " + code + " " + text);
    }

    @Test
    void providersThrottlingReplies() {
        is(ReplyClass.REPUTATION, true, "4.7.0", "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to"
                + " unexpected volume or user complaints");
        is(ReplyClass.REPUTATION, true, "4.7.0", "[TS01] Messages from 192.0.2.1 temporarily deferred");
        is(ReplyClass.REPUTATION, true, "4.3.2", "4.3.2 The maximum number of concurrent server connections has"
                + " exceeded the max number of connections");
        is(ReplyClass.REPUTATION, true, "4.7.0", "You have exceeded the maximum number of messages per connection");
        is(ReplyClass.REPUTATION, true, "4.7.28", "421-4.7.28 Gmail has detected an unusual rate of unsolicited mail");
        is(ReplyClass.REPUTATION, true, "4.7.0", "too many connections from your IP, slow down");
        is(ReplyClass.PROTOCOL, false, "4.5.3", "452 4.5.3 Too many recipients: Too many messages sent");
        is(ReplyClass.REPUTATION, false, "5.7.1", "Service unavailable; client host [192.0.2.1] blocked using"
                + " zen.spamhaus.org");
    }

    @Test
    void rfc3463Subjects() {
        is(ReplyClass.BAD_MAILBOX, false, "5.1.1", "The email account that you tried to reach does not exist");
        is(ReplyClass.BAD_MAILBOX, false, "5.0.0", "550 user unknown");
        is(ReplyClass.MAILBOX_FULL, false, "4.2.2", "mailbox full");
        is(ReplyClass.MAILBOX_FULL, false, "5.0.0", "552 Requested mail action aborted: over quota");
        is(ReplyClass.CONTENT, false, "5.7.1", "Our system has detected that this message is likely unsolicited mail");
        is(ReplyClass.POLICY, false, "5.7.26", "Unauthenticated email from example.com is not accepted due to domain's"
                + " DMARC policy");
        is(ReplyClass.POLICY, false, "5.7.1", "Relaying denied");
        is(ReplyClass.TLS, false, "4.7.5", "the MX host has no certificate valid for its name");
        is(ReplyClass.TLS, false, "5.7.30", "REQUIRETLS support required");
        is(ReplyClass.DNS, false, "5.1.2", "no such domain");
        is(ReplyClass.DNS, false, "4.4.3", "DNS server failure");
        is(ReplyClass.CONNECTION, false, "4.4.1", "connect to 192.0.2.1:25: connection refused");
        is(ReplyClass.CONNECTION, false, "4.4.2", "lost connection while sending end of data");
        is(ReplyClass.PROTOCOL, false, "5.5.2", "syntax error");
        is(ReplyClass.CONTENT, false, "5.3.4", "message size exceeds fixed limit");
        is(ReplyClass.OTHER, false, "4.0.0", "local error in processing");
        is(ReplyClass.OTHER, false, null, null);
    }

    @Test
    void wordsThatOnlyLookLikeTheRulesDoNotDecide() {
        is(ReplyClass.POLICY, false, "5.1.8", "<a@b.example>: Sender address rejected: Domain not found");
        is(ReplyClass.POLICY, false, "5.7.1", "<a@b.example>: Sender address rejected: undeliverable address");
        is(ReplyClass.OTHER, false, "4.3.0", "mx-ts02.example.net: temporary failure, queue id TS03A1");
        is(ReplyClass.OTHER, false, "4.3.0", "try again later, separate queue generated");
        is(ReplyClass.POLICY, false, "5.7.1", "message refused, disconnecting");
        is(ReplyClass.BAD_MAILBOX, false, "5.1.1", "user unknown; your message content was not read");
        is(ReplyClass.REPUTATION, true, "4.0.0", "421 Too many concurrent SMTP connections from this IP address");
    }

    @Test
    void codePatterns() {
        assertTrue(ReplyRules.codeMatches("*", null));
        assertTrue(ReplyRules.codeMatches("4.*", "4.7.28"));
        assertTrue(ReplyRules.codeMatches("*.7.28", "5.7.28"));
        assertFalse(ReplyRules.codeMatches("*.7.28", "5.7.280"));
        assertFalse(ReplyRules.codeMatches("5.1.1", "5.1.10"));
        assertFalse(ReplyRules.codeMatches("5.1.1", null));
    }

    @Test
    void anOperatorsFileIsCheckedLineByLine() {
        ReplyRules own = ReplyRules.parse("# mine\nreputation 4.* throttle deferred for volume\nother * - *\n", "mine");
        assertEquals(new ReplyRules.Verdict(ReplyClass.REPUTATION, true), own.judge("4.2.0", "Deferred for volume"));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> ReplyRules.parse("other * -\n", "f"));
        assertTrue(bad.getMessage().startsWith("f line 1:"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ReplyRules.parse("nonsense * - *\n", "f"));
        assertThrows(IllegalArgumentException.class, () -> ReplyRules.parse("other 6.1 - *\n", "f"));
        assertThrows(IllegalArgumentException.class, () -> ReplyRules.parse("other * slow *\n", "f"));
        assertThrows(IllegalArgumentException.class, () -> ReplyRules.parse("other * - (unclosed\n", "f"));
    }
}
