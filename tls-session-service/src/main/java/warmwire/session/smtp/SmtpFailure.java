package warmwire.session.smtp;

/**
 * NAME
 *   SmtpFailure - why a session (or one endpoint) could not be used.
 * DESCRIPTION
 *   Messages follow Postfix's wording, for instance "connect to mx[192.0.2.1]:25: Connection
 *   refused", "conversation with mx[192.0.2.1]:25 timed out while receiving the initial server
 *   greeting", "TLS is required, but was not offered by host mx[192.0.2.1]:25".
 *   {@link #connected()} tells whether a TCP connection existed (Postfix then names the relay).
 */
public final class SmtpFailure extends RuntimeException {

    /** Kinds of failure. */
    public enum Kind {
        /** TCP connection could not be made. */
        CONNECT,
        /** No reply (or no write progress) within the state's timeout. */
        TIMEOUT,
        /** The server closed the connection or it broke. */
        LOST,
        /** The server sent something that is not SMTP. */
        PROTOCOL,
        /** Greeting, EHLO/HELO refused. */
        REJECTED,
        /** The level requires TLS and the server did not offer or refused STARTTLS. */
        TLS_REQUIRED,
        /** The TLS handshake failed. */
        TLS_FAILED,
        /** Under verify: the certificate chain or name did not check out. */
        TLS_NOT_VERIFIED,
        /** Not tried: the operator suspended the site. */
        SUSPENDED
    }

    private final Kind kind;
    private final SmtpState state;
    private final Reply reply;

    public SmtpFailure(Kind kind, SmtpState state, Reply reply, String message) {
        super(message, null, false, false);
        this.kind = kind;
        this.state = state;
        this.reply = reply;
    }

    public Kind kind() {
        return kind;
    }

    /** The state the session was in. */
    public SmtpState state() {
        return state;
    }

    /** The server's reply that caused it, or null. */
    public Reply reply() {
        return reply;
    }

    /**
     * The RFC 3463 enhanced code for this failure when the server's reply carries none, as
     * Postfix's smtp(8) assigns them: 4.4.1 no answer, 4.4.2 connection broken or timed out,
     * 4.5.0 protocol error, 4.7.4 TLS required but not offered, 4.7.5 TLS failure or
     * certificate not verified; a refusal takes the class of the server's reply code; a site
     * suspended by the operator 4.3.2 ("system not accepting network messages": here, our side).
     */
    public String enhanced() {
        if (reply != null && reply.enhanced() != null) {
            return reply.enhanced();
        }
        return switch (kind) {
            case CONNECT -> "4.4.1";
            case TIMEOUT, LOST -> "4.4.2";
            case PROTOCOL -> "4.5.0";
            case REJECTED -> reply != null && reply.code() / 100 == 5 ? "5.0.0" : "4.0.0";
            case TLS_REQUIRED -> "4.7.4";
            case TLS_FAILED, TLS_NOT_VERIFIED -> "4.7.5";
            case SUSPENDED -> "4.3.2";
        };
    }

    /** Whether a TCP connection had been established. */
    public boolean connected() {
        return kind != Kind.CONNECT && kind != Kind.SUSPENDED;
    }
}
