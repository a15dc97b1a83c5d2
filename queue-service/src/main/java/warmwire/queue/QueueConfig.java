package warmwire.queue;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.Optional;

/**
 * NAME
 *   QueueConfig - queue-service settings, prefix {@code warmwire}.
 * DESCRIPTION
 *   Every key is documented in application.properties and can be given as an environment
 *   variable by Quarkus' usual mapping ({@code WARMWIRE_QUEUE_MAXIMAL_QUEUE_LIFETIME}).
 */
@ConfigMapping(prefix = "warmwire")
public interface QueueConfig {
    /** This service's name in dead letters and metric tags. */
    String SERVICE = "queue-service";

    Intake intake();

    Queue queue();

    Outcome outcome();

    Metrics metrics();

    @WithName("reply-classes")
    ReplyClasses replyClasses();

    /** The class of every non-delivered recipient's event (contracts' ReplyRules). */
    interface ReplyClasses {
        /** An operator's rules file instead of the shipped rules (format: ReplyRules). */
        Optional<String> file();
    }

    /** Metrics that cost work to compute ({@code warmwire.queue.metrics.QueueMetrics}). */
    interface Metrics {
        /**
         * At most one walk of the queue index per this interval for the queue depth and the
         * oldest message's age, and only when /q/metrics was read since the last walk; 0: never.
         */
        @WithName("queue-depth-interval")
        @WithDefault("60s")
        Duration queueDepthInterval();
    }

    /** The outcome path ({@code warmwire.queue.outcome.OutcomeLoop}). */
    interface Outcome {
        /** Loops (consumer threads), each with its own transactional producer (0: none, unit tests). */
        @WithDefault("1")
        int consumers();

        /**
         * How long a poll's events, retries and DSNs may wait for the Kafka transaction that
         * commits them with mail.outcome's commit points (outcome.OutcomeLoop).
         */
        @WithName("commit-interval")
        @WithDefault("100ms")
        Duration commitInterval();

        /**
         * Transactional id prefix of this instance; thread n uses {@code <prefix>-n}. Must be
         * unique per instance and stable across its restarts.
         */
        @WithName("transactional-id")
        @WithDefault("warmwire-queue-outcome-${HOSTNAME:local}-${quarkus.http.port:8080}")
        String transactionalId();

        /** An open transaction is aborted by the broker after this long (transaction.timeout.ms). */
        @WithName("transaction-timeout")
        @WithDefault("30s")
        Duration transactionTimeout();

        /** Outcome records per poll. */
        @WithName("max-poll-records")
        @WithDefault("500")
        int maxPollRecords();
    }

    /** Retries, expiry and notifications (Postfix's names and defaults). */
    interface Queue {
        /** Wait after the first failed attempt; doubles per attempt (retry tier i waits min * 2^(i-1)). */
        @WithName("minimal-backoff")
        @WithDefault("300s")
        Duration minimalBackoff();

        /** Longest wait between attempts. */
        @WithName("maximal-backoff")
        @WithDefault("4000s")
        Duration maximalBackoff();

        /** A recipient still failing temporarily after this long in the queue expires (bounce). */
        @WithName("maximal-queue-lifetime")
        @WithDefault("5d")
        Duration maximalQueueLifetime();

        /** A DELAY notice goes to senders who asked for one (NOTIFY=DELAY) once mail waited this long. */
        @WithName("delay-warning-time")
        @WithDefault("4h")
        Duration delayWarningTime();

        /** Follow the operators' decisions on mail.control (false: unit tests; admin actions then answer 503). */
        @WithName("follow-control")
        @WithDefault("true")
        boolean followControl();

        /** Run the retry scheduler in this instance (false: unit tests). */
        @WithName("retry-scheduler")
        @WithDefault("true")
        boolean retryScheduler();

        /** The reporting MTA's host name in DSNs (Reporting-MTA, MAILER-DAEMON@...). */
        @WithName("hostname")
        @WithDefault("localhost")
        String hostname();

        /** Messages larger than this are returned in DSNs with their headers only. */
        @WithName("dsn-return-size-limit")
        @WithDefault("1048576")
        int dsnReturnSizeLimit();
    }

    /** Intake's keys that bound what this service reads too (intake itself is delivery-service's). */
    interface Intake {
        /** Most recipients of one message on mail.route and mail.outcome: intake's bound, same key. */
        @WithDefault("1000")
        int maxRecipients();
    }

    /** Retention of queue-index entries in Infinispan. */
    @WithName("index.lifespan")
    @WithDefault("P7D")
    Duration indexLifespan();

    /**
     * How long the final-event marks are retried while Infinispan does
     * not answer, before mail goes on unchecked.
     */
    @WithName("index.marks-patience")
    @WithDefault("60s")
    Duration marksPatience();
}
