package warmwire.delivery.mtasts;

/** A policy body that is not a valid MTA-STS policy (RFC 8461 section 3.2); the message says why. */
public final class StsPolicyException extends RuntimeException {
    public StsPolicyException(String message) {
        super(message, null, false, false);
    }
}
