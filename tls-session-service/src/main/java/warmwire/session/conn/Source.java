package warmwire.session.conn;

/**
 * An egress source: a named local address that connections are made from, with the HELO name
 * that goes with it (receivers check that the name and the address's PTR agree).
 *
 * @param name    the operator's name for it (warmwire.egress.sources."name")
 * @param address an IPv4 or IPv6 literal of this host
 * @param helo    the EHLO/HELO name of its connections; null: the service's own
 */
public record Source(String name, String address, String helo) {

    public Source {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")) {
            throw new IllegalArgumentException("source name must be letters, digits, '_', '.', '-': " + name);
        }
        if (address == null || !address.matches("[0-9A-Fa-f.:]+")) {
            throw new IllegalArgumentException("source " + name + ": address must be an IP literal: " + address);
        }
    }

    /** {@code name[address]}: how events and logs show it. */
    public String label() {
        return name + "[" + address + "]";
    }
}
