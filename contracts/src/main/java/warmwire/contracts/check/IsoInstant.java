package warmwire.contracts.check;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;

/**
 * NAME
 *   IsoInstant - reads the one time format the services write, without a DateTimeFormatter.
 * DESCRIPTION
 *   {@link Instant#toString()} writes {@code YYYY-MM-DDTHH:MM:SS[.fraction]Z} (a fraction of 1 to
 *   9 digits). {@link #parse} reads exactly that form, fields in range (day of the month by the
 *   calendar, seconds 0..59), and gives the same Instant as {@link Instant#parse}; any other text
 *   (offsets, a leap second, a year beyond 9999, ...) goes to {@link Instant#parse}, so what is
 *   accepted and refused does not change. Why: every record carries two or three times, and
 *   {@code Instant.parse} cost 30 % of a delivery job's check in tls-session-service's profile.
 */
final class IsoInstant {
    private IsoInstant() {
    }

    /** The time in {@code s}; throws {@link java.time.format.DateTimeParseException} as {@link Instant#parse} does. */
    static Instant parse(String s) {
        Instant t = fast(s);
        return t != null ? t : Instant.parse(s);
    }

    /** The time when {@code s} is in the common form, else null. */
    static Instant fast(String s) {
        int n = s.length();
        if (n < 20 || n > 30 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':'
                || s.charAt(16) != ':' || s.charAt(n - 1) != 'Z') {
            return null;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        if (year < 0 || month < 0 || day < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0
                || second > 59) {
            return null;
        }
        int nanos = 0;
        if (n > 20) {
            int f = n - 21; // digits between '.' and 'Z'
            if (s.charAt(19) != '.' || f < 1 || f > 9) {
                return null;
            }
            int v = digits(s, 20, f);
            if (v < 0) {
                return null;
            }
            nanos = v;
            for (int i = f; i < 9; i++) {
                nanos *= 10;
            }
        }
        long epochDay;
        try {
            epochDay = LocalDate.of(year, month, day).toEpochDay();
        } catch (DateTimeException e) {
            return null; // e.g. February 30th: Instant.parse gives the message
        }
        return Instant.ofEpochSecond(epochDay * 86_400 + hour * 3_600L + minute * 60L + second, nanos);
    }

    /** The decimal value of {@code len} ASCII digits at {@code from}, -1 if one is not a digit. */
    private static int digits(String s, int from, int len) {
        int v = 0;
        for (int i = from; i < from + len; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
