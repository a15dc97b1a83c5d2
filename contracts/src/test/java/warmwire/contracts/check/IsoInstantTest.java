package warmwire.contracts.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IsoInstantTest {

    @Test
    void readsWhatInstantWritesAsInstantParseDoes() {
        Random r = new Random(12);
        for (int i = 0; i < 200_000; i++) {
            // 1970 to 2100, with whole seconds, millis, micros and nanos
            long sec = Math.floorMod(r.nextLong(), 4_102_444_800L);
            int nanos = switch (i % 4) {
                case 0 -> 0;
                case 1 -> r.nextInt(1000) * 1_000_000;
                case 2 -> r.nextInt(1_000_000) * 1000;
                default -> r.nextInt(1_000_000_000);
            };
            Instant t = Instant.ofEpochSecond(sec, nanos);
            String s = t.toString();
            assertNotNull(IsoInstant.fast(s), s);
            assertEquals(Instant.parse(s), IsoInstant.parse(s), s);
        }
    }

    @Test
    void fractionsOfAnyLengthMeanWhatInstantParseReads() {
        for (String s : new String[] {"2026-12-06T15:05:53.1Z", "2026-12-06T15:05:53.12Z", "2026-12-06T15:05:53.1234Z",
            "2026-12-06T15:05:53.000000001Z", "2024-02-29T23:59:59.999999999Z", "2000-01-01T00:00:00Z"}) {
            assertEquals(Instant.parse(s), IsoInstant.fast(s), s);
        }
    }

    @Test
    void anyOtherTextFaresAsWithInstantParse() {
        // accepted or refused by Instant.parse; the fast path takes none of these
        for (String s : new String[] {"2026-12-06T15:05:53+01:00", "2026-12-06T15:05:53.5+00:00", "2016-12-31T23:59:60Z",
            "2026-12-06T24:00:00Z", "+12026-12-06T15:05:53Z", "2026-12-06T15:05:53.Z", "2026-02-30T00:00:00Z",
            "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-12-06T15:60:00Z", "2026-12-06T15:05:53.1234567890Z",
            "2026-12-06T15:05:5xZ", "2026-12-06 15:05:53Z", "2026-12-06T15:05:53", "\uff12\uff10\uff12\uff16-12-06T15:05:53Z",
            "2025-02-29T00:00:00Z", "-001-12-06T15:05:53Z", "2026-12-06t15:05:53z", ""}) {
            assertNull(IsoInstant.fast(s), s);
            Instant want;
            try {
                want = Instant.parse(s);
            } catch (DateTimeParseException e) {
                assertThrows(DateTimeParseException.class, () -> IsoInstant.parse(s), s);
                continue;
            }
            assertEquals(want, IsoInstant.parse(s), s);
        }
    }
}
