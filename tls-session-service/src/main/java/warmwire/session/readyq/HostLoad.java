package warmwire.session.readyq;

import io.vertx.core.Vertx;
import java.lang.management.ManagementFactory;
import java.util.function.BooleanSupplier;

/**
 * NAME
 *   HostLoad - is the host's CPU saturated? The connection cache's growth guard.
 * DESCRIPTION
 *   Samples the CPU load of the whole host (or container: the JDK reads the cgroup limits) once
 *   a second from the JVM's {@code com.sun.management.OperatingSystemMXBean#getCpuLoad}, on a
 *   Vert.x timer, and answers {@link #getAsBoolean} from the last sample: true when it is at or
 *   above {@code limit}. A limit of 1 or more, or a JVM that cannot tell, never reports
 *   saturation.
 */
public final class HostLoad implements BooleanSupplier {
    private final double limit;
    private final com.sun.management.OperatingSystemMXBean os;
    private volatile double load;
    private final long timer;
    private final Vertx vertx;

    public HostLoad(Vertx vertx, double limit) {
        this.vertx = vertx;
        this.limit = limit;
        this.os = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean o
                ? o : null;
        if (os != null && limit < 1) {
            os.getCpuLoad(); // the first call starts the interval
            this.timer = vertx.setPeriodic(1000, id -> load = os.getCpuLoad());
        } else {
            this.timer = -1;
        }
    }

    @Override
    public boolean getAsBoolean() {
        return limit < 1 && load >= limit;
    }

    /** The last sample, 0..1 (negative when unknown). */
    public double load() {
        return load;
    }

    public void close() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }
}
