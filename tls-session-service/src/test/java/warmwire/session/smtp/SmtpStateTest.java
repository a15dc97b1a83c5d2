package warmwire.session.smtp;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The state machine's table of transitions: RFC 5321's order, and nothing else. */
class SmtpStateTest {
    @Test
    void theSessionsOfRfc5321WalkTheTable() {
        walk(List.of(SmtpState.CONNECT, SmtpState.GREETING, SmtpState.EHLO, SmtpState.STARTTLS, SmtpState.TLS_HANDSHAKE,
                SmtpState.EHLO_TLS, SmtpState.READY, SmtpState.MAIL, SmtpState.RCPT, SmtpState.RCPT, SmtpState.DATA,
                SmtpState.DATA_BODY, SmtpState.DATA_DONE, SmtpState.READY, SmtpState.RSET, SmtpState.MAIL, SmtpState.RCPT,
                SmtpState.BDAT, SmtpState.READY, SmtpState.QUIT, SmtpState.CLOSED));
        walk(List.of(SmtpState.CONNECT, SmtpState.GREETING, SmtpState.EHLO, SmtpState.HELO, SmtpState.READY,
                SmtpState.MAIL, SmtpState.RCPT, SmtpState.RSET, SmtpState.READY));
    }

    @Test
    void aStepOutOfOrderIsRefused() {
        assertFalse(SmtpState.GREETING.mayGoTo(SmtpState.MAIL), "no mail before EHLO");
        assertFalse(SmtpState.HELO.mayGoTo(SmtpState.STARTTLS), "HELO has no extensions");
        assertFalse(SmtpState.TLS_HANDSHAKE.mayGoTo(SmtpState.READY), "RFC 3207: EHLO again before a transaction");
        assertFalse(SmtpState.READY.mayGoTo(SmtpState.DATA_BODY), "no body without DATA's 354");
        assertFalse(SmtpState.MAIL.mayGoTo(SmtpState.DATA), "no DATA without a RCPT");
        assertFalse(SmtpState.CLOSED.mayGoTo(SmtpState.QUIT), "nothing after the close");
        assertFalse(SmtpState.QUIT.mayGoTo(SmtpState.QUIT));
    }

    @Test
    void everyOpenStateMayQuitAndEveryStateMayClose() {
        for (SmtpState s : SmtpState.values()) {
            assertTrue(s.mayGoTo(SmtpState.CLOSED), s + " -> CLOSED");
            if (s != SmtpState.CLOSED && s != SmtpState.QUIT) {
                assertTrue(s.mayGoTo(SmtpState.QUIT), s + " -> QUIT");
            }
        }
    }

    private static void walk(List<SmtpState> states) {
        for (int i = 1; i < states.size(); i++) {
            assertTrue(states.get(i - 1).mayGoTo(states.get(i)), states.get(i - 1) + " -> " + states.get(i));
        }
    }
}
