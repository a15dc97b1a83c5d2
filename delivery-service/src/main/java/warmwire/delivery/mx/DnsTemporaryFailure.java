package warmwire.delivery.mx;

/**
 * NAME
 *   DnsTemporaryFailure - no server gave an answer: timeout, SERVFAIL, REFUSED or the like.
 * DESCRIPTION
 *   Mail waiting on such a lookup is deferred, never bounced.
 */
public class DnsTemporaryFailure extends RuntimeException {
    private final String name;
    private final String type;
    private final String why;

    public DnsTemporaryFailure(String type, String name, String why) {
        super("Name service error for name=" + name + " type=" + type + ": Host not found, try again (" + why + ")",
                null, false, false);
        this.name = name;
        this.type = type;
        this.why = why;
    }

    public String name() {
        return name;
    }

    public String type() {
        return type;
    }

    /** What the last server did: "timeout", "SERVFAIL", "REFUSED", ... */
    public String why() {
        return why;
    }
}
