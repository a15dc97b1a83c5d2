package warmwire.testing;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * NAME
 *   Poll - wait for a value that background work (a broker, a server, a log) brings, with
 *   Awaitility, and fail with what was last seen.
 * DESCRIPTION
 *   {@link #until} asks {@code probe} at once and then every {@code every}, on the calling
 *   thread, until {@code done} accepts its answer, and returns that answer. After
 *   {@code within} it fails with an AssertionError whose message {@code why} makes from the
 *   last answer (null when the probe never answered): a test that times out says what it saw,
 *   not only that it waited. A {@code within} of zero asks once. A probe that throws fails the wait at once; a probe for which an
 *   exception means "not yet" catches it and answers null.
 */
public final class Poll {
    private Poll() {
    }

    public static <T> T until(Duration within, Duration every, Callable<T> probe, Predicate<? super T> done,
                              Function<? super T, String> why) {
        if (within.isZero() || within.isNegative()) { // no time to wait: ask once
            T v;
            try {
                v = probe.call();
            } catch (Exception e) {
                throw new AssertionError(why.apply(null) + " (the probe failed: " + e + ")", e);
            }
            if (done.test(v)) {
                return v;
            }
            throw new AssertionError(why.apply(v) + " (asked once, no time to wait)");
        }
        AtomicReference<T> last = new AtomicReference<>();
        try {
            return Awaitility.await().atMost(within).pollDelay(Duration.ZERO).pollInterval(every).pollInSameThread()
                    .until(() -> {
                        T v = probe.call();
                        last.set(v);
                        return v;
                    }, v -> done.test(v));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(why.apply(last.get()) + " (waited " + within.toMillis() + " ms)", e);
        }
    }
}
