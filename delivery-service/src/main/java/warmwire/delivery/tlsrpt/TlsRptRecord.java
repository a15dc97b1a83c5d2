package warmwire.delivery.tlsrpt;

import java.util.ArrayList;
import java.util.List;

/**
 * NAME
 *   TlsRptRecord - the {@code _smtp._tls} TXT record of a policy domain (RFC 8460 section 3).
 * DESCRIPTION
 *   {@link #rua} reads the TXT strings found: records that do not begin with
 *   {@code v=TLSRPTv1} are discarded; unless exactly one is left, with an {@code rua} field of
 *   {@code mailto:} or {@code https:} URIs (comma separated), there is none. The value is
 *   returned as published (at most {@link #MAX_LENGTH} characters), for whoever sends the report.
 */
final class TlsRptRecord {
    static final int MAX_LENGTH = 1024;

    private TlsRptRecord() {
    }

    static String rua(List<String> txt) {
        List<String> found = new ArrayList<>();
        for (String t : txt) {
            if (t != null && t.startsWith("v=TLSRPTv1")) {
                found.add(t);
            }
        }
        if (found.size() != 1 || found.get(0).length() > MAX_LENGTH) {
            return null;
        }
        for (String field : found.get(0).split(";")) {
            String f = field.strip();
            if (f.startsWith("rua=")) {
                String rua = f.substring(4).strip();
                for (String uri : rua.split(",")) {
                    String u = uri.strip();
                    if (!u.startsWith("mailto:") && !u.startsWith("https:")) {
                        return null;
                    }
                }
                return rua.isEmpty() ? null : rua;
            }
        }
        return null;
    }
}
