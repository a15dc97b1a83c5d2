package warmwire.session.smtp;

import java.time.Duration;

/**
 * NAME
 *   SmtpState - the states of an SMTP client session, each with its default timeout.
 * DESCRIPTION
 *   The timeouts are RFC 5321 section 4.5.3.2's minimums where the RFC gives one (greeting,
 *   MAIL, RCPT, DATA initiation, data block, DATA termination) and Postfix's defaults otherwise
 *   (connect 30s, STARTTLS 300s, RSET 20s, QUIT 300s). {@link #during()} completes Postfix's
 *   messages: "conversation with X timed out while ...", "lost connection with X while ...".
 *   RFC 3207: after TLS is established the client issues EHLO again ({@link #EHLO_TLS}).
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

    /** What the client is doing in this state, for error messages. */
    public String during() {
        return during;
    }
}
