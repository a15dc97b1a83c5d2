package warmwire.delivery.mtasts;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * NAME
 *   StsRecord - the {@code _mta-sts} TXT record of a mail domain (RFC 8461 section 3.1).
 * DESCRIPTION
 *   {@link #id} reads the TXT strings found at {@code _mta-sts.<domain>}: records that do not
 *   begin with {@code v=STSv1;} are discarded; unless exactly one is left and it is well formed
 *   (fields {@code key=value} separated by {@code ;} with optional blanks, {@code v} first, an
 *   {@code id} of 1 to 32 letters and digits, other fields ignored), the domain has no
 *   available policy (empty). The id names the policy's version: a sender fetches the policy
 *   again when it changes.
 */
public final class StsRecord {
    /** RFC 8461: sts-id = 1*32(ALPHA / DIGIT). */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9]{1,32}");
    /** A TXT record is at most a few strings of 255 octets; a longer one is not an STS record. */
    static final int MAX_LENGTH = 1024;

    private StsRecord() {
    }

    /** The policy id of the one valid STSv1 record among {@code txt}, else empty. */
    public static Optional<String> id(List<String> txt) {
        List<String> sts = new ArrayList<>();
        for (String t : txt) {
            if (t != null && t.startsWith("v=STSv1;")) {
                sts.add(t);
            }
        }
        if (sts.size() != 1 || sts.get(0).length() > MAX_LENGTH) {
            return Optional.empty();
        }
        String id = null;
        String[] fields = sts.get(0).split(";", -1);
        for (int i = 0; i < fields.length; i++) {
            String f = fields[i].strip();
            if (f.isEmpty()) {
                if (i == fields.length - 1) {
                    break; // the optional ";" after the last field
                }
                return Optional.empty();
            }
            int eq = f.indexOf('=');
            if (eq <= 0) {
                return Optional.empty();
            }
            String key = f.substring(0, eq).toLowerCase(Locale.ROOT);
            String value = f.substring(eq + 1);
            if (i == 0) {
                if (!key.equals("v") || !value.equals("STSv1")) {
                    return Optional.empty();
                }
            } else if (key.equals("id")) {
                if (id != null || !ID.matcher(value).matches()) {
                    return Optional.empty();
                }
                id = value;
            }
        }
        return Optional.ofNullable(id);
    }
}
