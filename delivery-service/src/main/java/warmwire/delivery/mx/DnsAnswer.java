package warmwire.delivery.mx;

import java.util.List;

/**
 * NAME
 *   DnsAnswer - the records of one name and type, or the authoritative "no such name".
 * DESCRIPTION
 *   An empty list with {@code nxdomain == false} is NOERROR/NODATA: the name exists without
 *   records of that type. Temporary failures are not answers; they fail the lookup with
 *   {@link DnsTemporaryFailure}.
 */
public record DnsAnswer<T>(List<T> records, boolean nxdomain) {

    public static <T> DnsAnswer<T> of(List<T> records) {
        return new DnsAnswer<>(List.copyOf(records), false);
    }

    public static <T> DnsAnswer<T> noSuchName() {
        return new DnsAnswer<>(List.of(), true);
    }
}
