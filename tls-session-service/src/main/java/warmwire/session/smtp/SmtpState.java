package warmwire.session.smtp;

import java.time.Duration;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * NAME
 *   SmtpState - the states of an SMTP client session, each with its default timeout.
 * DESCRIPTION
 *   The timeouts are RFC 5321 section 4.5.3.2's minimums where the RFC gives one (greeting,
 *   MAIL, RCPT, DATA initiation, data block, DATA termination) and Postfix's defaults otherwise
 *   (connect 30s, STARTTLS 300s, RSET 20s, QUIT 300s). {@link #during()} completes Postfix's
 *   messages: "conversation with X timed out while ...", "lost connection with X while ...".
 *   RFC 3207: after TLS is established the client issues EHLO again ({@link #EHLO_TLS}).
 *   {@link #mayGoTo} is the state machine's one table of transitions; the session enters a
 *   state only through it.
 */
public enum SmtpState {
    CONNECT(Duration.ofSeconds(30), "connecting"),
    GREETING(Duration.ofMinutes(5), "receiving the initial server greeting"),
    EHLO(Duration.ofMinutes(5), "performing the EHLO handshake"),
    HELO(Duration.ofMinutes(5), "performing the HELO handshake"),
    STARTTLS(Duration.ofMinutes(5), "sending STARTTLS"),
    TLS_HANDSHAKE(Duration.ofMinutes(1), "performing the TLS handshake"),
    EHLO_TLS(Duration.ofMinutes(5), "performing the EHLO handshake after STARTTLS"),
    /** Connected, no command outstanding: a transaction may start. */
    READY(Duration.ZERO, "idle"),
    MAIL(Duration.ofMinutes(5), "sending MAIL FROM"),
    RCPT(Duration.ofMinutes(5), "sending RCPT TO"),
    DATA(Duration.ofMinutes(2), "sending DATA command"),
    DATA_BODY(Duration.ofMinutes(3), "sending message body"),
    DATA_DONE(Duration.ofMinutes(10), "sending end of data -- message may be sent more than once"),
    /** RFC 3030: the reply to the last BDAT chunk, which carries the whole message (DATA_DONE's timeout). */
    BDAT(Duration.ofMinutes(10), "sending the message with BDAT -- message may be sent more than once"),
    RSET(Duration.ofSeconds(20), "sending RSET"),
    QUIT(Duration.ofMinutes(5), "sending QUIT"),
    CLOSED(Duration.ZERO, "closed");

    /** Where each state may go next, besides QUIT and CLOSED (see {@link #mayGoTo}). */
    private static final Map<SmtpState, Set<SmtpState>> NEXT = new EnumMap<>(SmtpState.class);

    static {
        NEXT.put(CONNECT, EnumSet.of(GREETING));
        NEXT.put(GREETING, EnumSet.of(EHLO));
        NEXT.put(EHLO, EnumSet.of(HELO, STARTTLS, READY)); // HELO after a 5xx to EHLO (RFC 5321 3.2)
        NEXT.put(HELO, EnumSet.of(READY)); // no extensions, so no STARTTLS
        NEXT.put(STARTTLS, EnumSet.of(TLS_HANDSHAKE, READY)); // READY: refused under may, in clear text
        NEXT.put(TLS_HANDSHAKE, EnumSet.of(EHLO_TLS)); // RFC 3207 4.2: EHLO again
        NEXT.put(EHLO_TLS, EnumSet.of(READY));
        NEXT.put(READY, EnumSet.of(RSET, MAIL));
        NEXT.put(RSET, EnumSet.of(MAIL, READY));
        NEXT.put(MAIL, EnumSet.of(RCPT, READY)); // READY: MAIL refused, nothing more of the transaction
        NEXT.put(RCPT, EnumSet.of(RCPT, DATA, BDAT, RSET)); // RSET: no recipient accepted (no pipelining)
        NEXT.put(DATA, EnumSet.of(DATA_BODY, DATA_DONE, READY)); // DATA_DONE: pipelined, nobody accepted; READY: refused
        NEXT.put(DATA_BODY, EnumSet.of(DATA_DONE));
        NEXT.put(DATA_DONE, EnumSet.of(READY));
        NEXT.put(BDAT, EnumSet.of(READY));
        NEXT.put(QUIT, EnumSet.noneOf(SmtpState.class));
        NEXT.put(CLOSED, EnumSet.noneOf(SmtpState.class));
    }

    private final Duration rfcTimeout;
    private final String during;

    SmtpState(Duration rfcTimeout, String during) {
        this.rfcTimeout = rfcTimeout;
        this.during = during;
    }

    /** The default timeout of a reply (or, for DATA_BODY, of each write) in this state. */
    public Duration rfcTimeout() {
        return rfcTimeout;
    }

    /**
     * Whether a session in this state may go to {@code next}: RFC 5321's order of commands
     * (with RFC 3207's STARTTLS and EHLO again, RFC 2920's pipelined groups walked reply by reply,
     * RFC 3030's one BDAT LAST). QUIT may follow any open state, CLOSED any state; READY follows a
     * transaction however it ended.
     */
    public boolean mayGoTo(SmtpState next) {
        if (next == CLOSED) {
            return true;
        }
        if (next == QUIT) {
            return this != CLOSED && this != QUIT;
        }
        return NEXT.get(this).contains(next);
    }

    /** What the client is doing in this state, for error messages. */
    public String during() {
        return during;
    }
}
