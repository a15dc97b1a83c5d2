package warmwire.queue.admin;

/**
 * NAME
 *   AdminInput - the checks admin input passes before it becomes a key or value of mail.control.
 * DESCRIPTION
 *   {@code mail.control} is compacted and followed by every instance, so whatever an admin
 *   client puts into a key stays there for good and is read by every service: site keys,
 *   message ids and reasons are bounded and checked here first. Each check answers the
 *   client's error (for a 400) or null when the input may be used.
 *   <ul>
 *   <li>site: 1 to {@link #MAX_SITE} characters of letters, digits and {@code . - _ : / [ ]}
 *       (a site key such as {@code mx1.example.com:25/may}, or an MX host name);</li>
 *   <li>message id: 1 to {@link #MAX_ID} characters, no control characters;</li>
 *   <li>reason: at most {@link #MAX_REASON} characters, no control characters.</li>
 *   </ul>
 */
public final class AdminInput {
    /** Longest site key: a 253-character host, a port and a TLS level fit. */
    public static final int MAX_SITE = 300;
    /** Longest message id. */
    public static final int MAX_ID = 1000;
    /** Longest operator reason. */
    public static final int MAX_REASON = 500;

    private AdminInput() {
    }

    /** Null if {@code site} is a usable site key or MX host, else why not. */
    public static String site(String site) {
        if (site == null || site.isEmpty()) {
            return "empty site";
        }
        if (site.length() > MAX_SITE) {
            return "site longer than " + MAX_SITE + " characters";
        }
        for (int i = 0; i < site.length(); i++) {
            char c = site.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || ".-_:/[]".indexOf(c) >= 0;
            if (!ok) {
                return "site may hold only letters, digits and . - _ : / [ ] (character " + (i + 1) + ")";
            }
        }
        return null;
    }

    /** Null if {@code id} is a usable message id, else why not. */
    public static String messageId(String id) {
        if (id == null || id.isBlank()) {
            return "empty message id";
        }
        if (id.length() > MAX_ID) {
            return "message id longer than " + MAX_ID + " characters";
        }
        return control(id) ? "message id holds control characters" : null;
    }

    /** Null if {@code reason} (may be null: no reason) is usable, else why not. */
    public static String reason(String reason) {
        if (reason == null) {
            return null;
        }
        if (reason.length() > MAX_REASON) {
            return "reason longer than " + MAX_REASON + " characters";
        }
        return control(reason) ? "reason holds control characters" : null;
    }

    private static boolean control(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029') {
                return true;
            }
        }
        return false;
    }
}
