package warmwire.contracts.route;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * One address to try for a site, in the order routing chose (MX preference, then the
 * resolver's order within one preference).
 *
 * @param host       the MX host name: the TLS SNI and the name {@code verify} checks
 * @param address    its IP address, as text
 * @param port       TCP port
 * @param preference the MX preference, 0 for a static route
 * @param tlsa       the host's DNSSEC-validated TLSA records for this port (RFC 6698
 *                   presentation form {@code usage selector matching-type hex}, for instance
 *                   {@code 3 1 1 4f2a...}), found for a site of level {@code dane} or
 *                   {@code dane-only}; empty when none (never null)
 * @param match      for a site of level {@code secure}: the names the server's certificate must
 *                   match instead of the host ({@code example.com} exactly, {@code .example.com}
 *                   any subdomain), the site's {@link Site#match()}; empty otherwise (never null)
 */
public record Endpoint(String host, String address, int port, int preference,
                       @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> tlsa,
                       @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> match) {

    public Endpoint {
        tlsa = tlsa == null ? List.of() : List.copyOf(tlsa);
        match = match == null ? List.of() : List.copyOf(match);
    }

    /** An endpoint without TLSA records or names to match. */
    public Endpoint(String host, String address, int port, int preference) {
        this(host, address, port, preference, List.of(), List.of());
    }

    /** The same endpoint with {@code records} as its TLSA records. */
    public Endpoint withTlsa(List<String> records) {
        return new Endpoint(host, address, port, preference, records, match);
    }

    /** The same endpoint with {@code names} to match (level secure). */
    public Endpoint withMatch(List<String> names) {
        return new Endpoint(host, address, port, preference, tlsa, names);
    }

    /** Postfix's relay notation: {@code mx1.example.com[192.0.2.1]:25}. */
    public String relay() {
        return host + "[" + address + "]:" + port;
    }
}
