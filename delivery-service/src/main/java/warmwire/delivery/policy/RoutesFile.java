package warmwire.delivery.policy;

import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;
import warmwire.delivery.DeliveryConfig;

/**
 * NAME
 *   RoutesFile - the current static routes, read from warmwire.routes-file.
 * DESCRIPTION
 *   The file is read at startup; a bad line (or an unreadable file) stops startup with the
 *   line number. Afterwards the file's modification time and size are checked every
 *   warmwire.routes-reload-interval; a changed file is parsed again and replaces the table
 *   only if it parses - otherwise the error is logged and the old routes stay in force. A file
 *   that disappears also leaves the old routes in force. Without warmwire.routes-file the
 *   table is empty and every domain goes to DNS.
 */
@Startup
@ApplicationScoped
public class RoutesFile {
    private static final Logger LOG = Logger.getLogger(RoutesFile.class);

    private final Optional<Path> path;
    private volatile TransportTable table = TransportTable.EMPTY;
    private volatile Stamp stamp;
    private ScheduledExecutorService watcher;

    @Inject
    public RoutesFile(DeliveryConfig config) {
        this(config.routesFile().filter(s -> !s.isBlank()).map(Path::of), config.routesReloadInterval());
    }

    /** For tests and for use without CDI. */
    public RoutesFile(Optional<Path> path, Duration reloadInterval) {
        this.path = path;
        if (path.isEmpty()) {
            LOG.info("no warmwire.routes-file: every domain is routed by DNS");
            return;
        }
        Path p = path.get();
        try {
            stamp = Stamp.of(p);
            table = read(p);
        } catch (IOException e) {
            throw new RoutesFileException("routes file " + p + " cannot be read: " + e, e);
        }
        LOG.infof("routes file %s: %d routes", p, table.size());
        if (!reloadInterval.isZero() && !reloadInterval.isNegative()) {
            watcher = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "routes-file-watcher");
                t.setDaemon(true);
                return t;
            });
            long ms = reloadInterval.toMillis();
            watcher.scheduleWithFixedDelay(this::reloadIfChanged, ms, ms, TimeUnit.MILLISECONDS);
        }
    }

    /** The routes in force now. */
    public TransportTable table() {
        return table;
    }

    /** Re-reads the file if its time stamp or size changed; returns whether the table was replaced. */
    public boolean reloadIfChanged() {
        if (path.isEmpty()) {
            return false;
        }
        Path p = path.get();
        try {
            Stamp now = Stamp.of(p);
            if (now.equals(stamp)) {
                return false;
            }
            stamp = now;
            table = read(p);
            LOG.infof("routes file %s reloaded: %d routes", p, table.size());
            return true;
        } catch (IOException e) {
            if (stamp != null) {
                LOG.warnf("routes file %s cannot be read (%s); keeping the previous routes", p, e.toString());
                stamp = null;
            }
        } catch (RoutesFileException e) {
            LOG.errorf("%s; keeping the previous routes", e.getMessage());
        }
        return false;
    }

    private static TransportTable read(Path p) throws IOException {
        return TransportTableParser.parse(Files.readAllLines(p, StandardCharsets.UTF_8), p.toString());
    }

    @PreDestroy
    void stop() {
        if (watcher != null) {
            watcher.shutdownNow();
        }
    }

    private record Stamp(long modified, long size) {
        static Stamp of(Path p) throws IOException {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            return new Stamp(a.lastModifiedTime().toMillis(), a.size());
        }
    }
}
