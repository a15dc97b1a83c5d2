package warmwire.session.conn;

import java.time.Duration;

/**
 * NAME
 *   ConnectionLimits - the per-site limits of the connection cache.
 * DESCRIPTION
 *   {@code maxConnections}: live connections of one site at most (the ceiling of the adaptive
 *   window). {@code maxDeliveriesPerConnection}: transactions per connection before it is closed with QUIT.
 *   {@code idleTimeout}: an idle connection is closed with QUIT after this. {@code maxConnectionAge}: a
 *   connection is not reused once this old. {@code recipientsPerTransaction}: RCPT TO commands
 *   in one transaction at most. {@code initialConcurrency}: the slow-start window of a site.
 *   {@code queueDelay}: another connection is opened only when the jobs waiting for the site
 *   would wait longer than this behind the connections it has, at their measured pace (and the
 *   host has CPU to spare, see {@code SiteQueue}). {@code maxWaitingPerSite}: jobs queued or running
 *   for one site; beyond it a job is deferred at once. {@code messageRate} (messages a second,
 *   0 = no limit) with {@code messageBurst}, and {@code connectionRate} (new connections a
 *   minute, 0 = no limit) with {@code connectionBurst}: the site's pace, a job or a connection
 *   waits for its turn (GCRA, {@code SiteQueue}).
 */
public record ConnectionLimits(int maxConnections, int maxDeliveriesPerConnection, Duration idleTimeout, Duration maxConnectionAge,
                               int recipientsPerTransaction, int initialConcurrency, Duration queueDelay,
                               int maxWaitingPerSite, double messageRate, int messageBurst, double connectionRate,
                               int connectionBurst) {

    /** Limits without rates. */
    public ConnectionLimits(int maxConnections, int maxDeliveriesPerConnection, Duration idleTimeout, Duration maxConnectionAge,
                            int recipientsPerTransaction, int initialConcurrency, Duration queueDelay, int maxWaitingPerSite) {
        this(maxConnections, maxDeliveriesPerConnection, idleTimeout, maxConnectionAge, recipientsPerTransaction,
                initialConcurrency, queueDelay, maxWaitingPerSite, 0, 1, 0, 1);
    }

    public ConnectionLimits {
        if (messageRate < 0 || connectionRate < 0 || messageBurst < 1 || connectionBurst < 1
                || Double.isNaN(messageRate) || Double.isNaN(connectionRate)) {
            throw new IllegalArgumentException("rates must be 0 (none) or positive, bursts at least 1: message-rate="
                    + messageRate + " message-burst=" + messageBurst + " connection-rate=" + connectionRate
                    + " connection-burst=" + connectionBurst);
        }
        if (maxConnections < 1 || maxDeliveriesPerConnection < 1 || recipientsPerTransaction < 1 || initialConcurrency < 1
                || queueDelay == null || queueDelay.isNegative() || maxWaitingPerSite < 1) {
            throw new IllegalArgumentException("connection limits must be positive: max-connections=" + maxConnections
                    + " max-deliveries-per-connection=" + maxDeliveriesPerConnection + " recipients-per-transaction=" + recipientsPerTransaction
                    + " initial-concurrency=" + initialConcurrency + " max-waiting-per-site=" + maxWaitingPerSite);
        }
        if (idleTimeout == null || idleTimeout.isNegative() || idleTimeout.isZero()
                || maxConnectionAge == null || maxConnectionAge.isNegative() || maxConnectionAge.isZero()) {
            throw new IllegalArgumentException("idle timeout and max age must be positive");
        }
    }

    /** The defaults: 20 connections, 1000 uses, 30 s idle, 300 s age, 50 recipients, window 2, 10 s queue delay, 1024 waiting. */
    public static ConnectionLimits defaults() {
        return new ConnectionLimits(20, 1000, Duration.ofSeconds(30), Duration.ofSeconds(300), 50, 2,
                Duration.ofSeconds(10), 1024);
    }
}
