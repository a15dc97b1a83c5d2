package warmwire.contracts.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Fixed-seed fuzzing of every record check: mutants of valid records never make a check throw,
 * and each is either accepted as a whole record or refused with a reason. Mutations that can
 * never leave a record valid (garbage, cut JSON, huge strings) must be refused.
 */
class RecordFuzzTest {
    private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");
    private static final RecordLimits L = RecordLimits.DEFAULT;
    private static final int ROUNDS = 1500;

    private void fuzz(String name, String valid, Function<byte[], Checked<?>> check) {
        fuzz(name, valid, check, RecordMutator.Kind.values().length);
    }

    /** {@code kindsRefused}: how many kinds must be refused at least once (all optional fields: fewer). */
    private void fuzz(String name, String valid, Function<byte[], Checked<?>> check, int kindsRefused) {
        assertTrue(check.apply(valid.getBytes(java.nio.charset.StandardCharsets.UTF_8)).isValid(), name + " sample");
        RecordMutator m = new RecordMutator(20261202L);
        Map<RecordMutator.Kind, int[]> refused = new EnumMap<>(RecordMutator.Kind.class);
        for (int i = 0; i < ROUNDS; i++) {
            RecordMutator.Mutant mu = m.mutate(valid);
            Checked<?> c = check.apply(mu.value());
            assertNotNull(c, name);
            if (c.isValid()) {
                assertNotNull(c.value());
            } else {
                assertFalse(c.reason().isBlank(), name + " " + mu.kind() + " at " + mu.where());
                refused.computeIfAbsent(mu.kind(), k -> new int[1])[0]++;
            }
            // a huge body is a body; every other huge string is refused
            boolean body = mu.where().endsWith("contentBase64");
            if (List.of(RecordMutator.Kind.GARBAGE, RecordMutator.Kind.CUT).contains(mu.kind())
                    || mu.kind() == RecordMutator.Kind.HUGE_STRING && !body) {
                assertFalse(c.isValid(), name + ": " + mu.kind() + " at " + mu.where() + " accepted");
            }
        }
        // every kind of mutation was tried and refused at least once
        assertEquals(kindsRefused, refused.size(), name + ": refused by kind " + refused.keySet());
    }

    @Test
    void queuedMessages() {
        fuzz("queued", Samples.queued("m1", "a@tls.test", NOW, NOW), v -> QueuedMessageCheck.check(v, L, NOW));
    }

    @Test
    void deliveryJobs() {
        fuzz("job", Samples.job("m1", "a@tls.test", "mx.test", 25, NOW), v -> DeliveryJobCheck.check(v, L, NOW));
    }

    @Test
    void deliveryOutcomes() {
        fuzz("outcome", Samples.outcome("m1", "a@tls.test", "deferred", NOW), v -> DeliveryOutcomeCheck.check(v, L, NOW));
    }

    @Test
    void controlStates() {
        fuzz("control", Samples.control("site:x", NOW).replace("\"held\":false", "\"held\":false,\"retryRequestedAt\":\"" + NOW + "\""),
                v -> ControlStateCheck.check("site:x", v, NOW), RecordMutator.Kind.values().length - 2); // every field optional: DROP and NULL stay valid
    }
}
