package warmwire.session.smtp;

/**
 * NAME
 *   SmtpProtocolException - the server said something that is not SMTP.
 * DESCRIPTION
 *   Thrown by {@link ReplyParser}; the session turns it into a {@link SmtpFailure} of kind
 *   PROTOCOL and drops the connection.
 */
public class SmtpProtocolException extends RuntimeException {
    public SmtpProtocolException(String message) {
        super(message, null, false, false);
    }
}
