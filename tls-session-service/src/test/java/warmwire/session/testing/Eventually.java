package warmwire.session.testing;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * NAME
 *   Eventually - wait for a condition that background work makes true.
 * DESCRIPTION
 *   {@link #eventually} polls every 10 ms and fails with an AssertionError carrying the
 *   message if the condition is still false after 10 s.
 */
public final class Eventually {
    private Eventually() {
    }

    public static void eventually(BooleanSupplier ok, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what);
            }
            Thread.sleep(10);
        }
    }
}
