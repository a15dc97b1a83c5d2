package warmwire.contracts.outcome;

/**
 * Postfix's delays=a/b/c/d in seconds: time in the queue before routing, routing, connection
 * setup (TCP, greeting, EHLO, TLS), and message transmission.
 */
public record Delays(double queue, double route, double connect, double transmit) {
    public static final Delays NONE = new Delays(0, 0, 0, 0);
}
