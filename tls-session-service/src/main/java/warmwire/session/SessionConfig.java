package warmwire.session;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import warmwire.contracts.mail.TlsLevel;

/**
 * NAME
 *   SessionConfig - tls-session-service settings, prefix {@code warmwire}.
 * DESCRIPTION
 *   Every key is documented in application.properties and can be given as an environment
 *   variable by Quarkus' usual mapping ({@code WARMWIRE_SMTP_TIMEOUTS_DATA_DONE}).
 */
@ConfigMapping(prefix = "warmwire")
public interface SessionConfig {

    Tls tls();

    Smtp smtp();

    Session session();

    @WithName("reply-classes")
    ReplyClasses replyClasses();

    /** Which replies ask the sender to slow down (contracts' ReplyRules, the same key as queue-service's). */
    interface ReplyClasses {
        /** An operator's rules file instead of the shipped rules. */
        Optional<String> file();
    }

    /**
     * The queue index, for the final marks of the events this service publishes (README:
     * OUTCOMES): queue-service's keys, the same values in both services.
     */
    Index index();

    interface Index {
        /** How long the final marks live (queue-service's index entries live as long). */
        @WithDefault("P7D")
        java.time.Duration lifespan();

        /** How long final marks are retried while Infinispan does not answer. */
        @WithName("marks-patience")
        @WithDefault("60s")
        java.time.Duration marksPatience();
    }

    /** Egress sources and pools (README: EGRESS SOURCES). */
    Egress egress();

    interface Egress {
        /** Named source addresses: sources."name".address (an IP literal of this host) and .helo. */
        Map<String, EgressSource> sources();

        /** Pools: pools."name".sources = a list of source names, each optionally ":weight" (1 by default). */
        Map<String, EgressPool> pools();

        /** The pool of jobs no site or tenant rule places; unset: the system chooses the address. */
        @WithName("default-pool")
        Optional<String> defaultPool();

        /** The pool of a tenant's jobs: tenant-pools."tenant" = pool. */
        @WithName("tenant-pools")
        Map<String, String> tenantPools();

        /** The pool of a site's jobs (by site key or MX host name; wins over the tenant's): site-pools."host" = pool. */
        @WithName("site-pools")
        Map<String, String> sitePools();
    }

    interface EgressSource {
        String address();

        /** The EHLO name of its connections (its address's PTR name); unset: warmwire.smtp.helo-name. */
        Optional<String> helo();
    }

    interface EgressPool {
        List<String> sources();
    }

    /** The mailbox providers (contracts' Providers; the same key and file as delivery-service's). */
    Providers providers();

    interface Providers {
        /** A providers file instead of the shipped presets; "none": no providers. */
        Optional<String> file();
    }

    interface Tls {
        /** The floor: a job's level is raised to this, never lowered. */
        @WithDefault("may")
        TlsLevel level();

        /** PEM CA bundle for verify; unset = the JDK's CA store. */
        @WithName("trust-file")
        Optional<String> trustFile();

        /**
         * TLS implementation of the STARTTLS client: conscrypt (BoringSSL through Conscrypt, the
         * one the ticket store needs), openssl (BoringSSL through netty-tcnative) or jdk (the
         * JDK's SSLEngine); the module README, TLS ENGINE, says when each falls back. Read where
         * the client is made, see {@link warmwire.session.tls.TlsEngine#configured()}.
         */
        @WithDefault("conscrypt")
        warmwire.session.tls.TlsEngine engine();

        /**
         * The cluster's TLS session store (Infinispan cache warmwire-tickets, README: TICKET
         * STORE): sessions made by any instance resume on any. Needs the conscrypt engine and
         * {@code ticket-key}.
         */
        @WithName("ticket-store")
        @WithDefault("true")
        boolean ticketStore();

        /** AES-256-GCM key of the stored sessions: base64 of 32 random bytes. No default; never in the repository. */
        @WithName("ticket-key")
        Optional<String> ticketKey();

        /** Sessions per key left for a new owner of the site (see TicketStore: the reserve). */
        @WithName("ticket-reserve")
        @WithDefault("3")
        int ticketReserve();

        /** Most sessions kept per key (newest kept). */
        @WithName("tickets-per-key")
        @WithDefault("16")
        int ticketsPerKey();

        /** How long a stored session is offered (Postfix's ticket lifetime is 3600 s; TLS 1.3 allows 7 days). */
        @WithName("ticket-lifetime")
        @WithDefault("1h")
        java.time.Duration ticketLifetime();

        /** How long STARTTLS waits for the store (asked at connect) before it goes on without a stored session. */
        @WithName("ticket-wait")
        @WithDefault("3s")
        java.time.Duration ticketWait();
    }

    interface Smtp {
        /** Name sent in EHLO/HELO; unset = this machine's host name. */
        @WithName("helo-name")
        Optional<String> heloName();

        Timeouts timeouts();

        /** What a server may send (smtp.ReplyLimits); past a limit: protocol error, deferred. */
        Limits limits();

        /**
         * Send messages with BDAT (RFC 3030) to servers that offer CHUNKING and PIPELINING: the
         * envelope and the whole message in one write and one round trip, nothing dot-stuffed.
         * false: always DATA.
         */
        @WithDefault("true")
        boolean chunking();
    }

    /** Bounds on a server's replies (RFC 5321 section 4.5.3.1 gives the minimums). */
    interface Limits {
        /** One reply line, CR LF included. */
        @WithName("reply-line")
        @WithDefault("2048")
        int replyLine();

        /** Lines of one multi-line reply. */
        @WithName("reply-lines")
        @WithDefault("100")
        int replyLines();

        /** Bytes of one multi-line reply. */
        @WithName("reply-bytes")
        @WithDefault("65536")
        int replyBytes();

        /** Bytes received and not yet consumed by a command (pipelined replies read ahead, a partial line). */
        @WithName("unread-bytes")
        @WithDefault("262144")
        int unreadBytes();
    }

    /** RFC 5321 section 4.5.3.2 timeouts (Postfix defaults where the RFC has none). */
    interface Timeouts {
        @WithDefault("30s")
        Duration connect();

        @WithDefault("300s")
        Duration greeting();

        /** EHLO, HELO, and EHLO after STARTTLS. */
        @WithDefault("300s")
        Duration helo();

        @WithDefault("300s")
        Duration starttls();

        @WithName("tls-handshake")
        @WithDefault("60s")
        Duration tlsHandshake();

        @WithDefault("300s")
        Duration mail();

        @WithDefault("300s")
        Duration rcpt();

        @WithDefault("120s")
        Duration data();

        /** Longest wait for write progress while the body is sent. */
        @WithName("data-body")
        @WithDefault("180s")
        Duration dataBody();

        @WithName("data-done")
        @WithDefault("600s")
        Duration dataDone();

        @WithDefault("20s")
        Duration rset();

        @WithDefault("300s")
        Duration quit();
    }

    interface Session {
        /** Jobs taken from mail.deliver and not yet finished (waiting in a site queue or being delivered). */
        @WithName("max-in-flight")
        @WithDefault("4096")
        int maxInFlight();

        /** Sum of the record sizes (characters of JSON) of the jobs in flight; one job is always admitted. */
        @WithName("max-in-flight-bytes")
        @WithDefault("33554432")
        long maxInFlightBytes();

        /** Keep connections for reuse (false = a fresh connection per job, QUIT after it). */
        @WithName("connection-cache")
        @WithDefault("true")
        boolean connectionCache();

        /** Live connections per site at most. */
        @WithName("max-connections")
        @WithDefault("20")
        int maxConnections();

        /** Transactions per connection before QUIT. */
        @WithName("max-deliveries-per-connection")
        @WithDefault("1000")
        int maxDeliveriesPerConnection();

        /** An idle cached connection is closed (QUIT) after this. */
        @WithName("idle-timeout")
        @WithDefault("30s")
        Duration idleTimeout();

        /** A connection this old is not reused any more (QUIT). */
        @WithName("max-connection-age")
        @WithDefault("300s")
        Duration maxConnectionAge();

        /** RCPT TO per transaction at most; more recipients go in further transactions on the same connection. */
        @WithName("recipients-per-transaction")
        @WithDefault("50")
        int recipientsPerTransaction();

        /** Slow start: a site begins with this many connections at most. */
        @WithName("initial-concurrency")
        @WithDefault("2")
        int initialConcurrency();

        /**
         * Another connection to a site is opened only when its waiting jobs would wait longer than
         * this behind the connections it has (at their measured pace) and the host's CPU is not
         * saturated (see {@code growth-cpu-limit}).
         */
        @WithName("queue-delay")
        @WithDefault("10s")
        Duration queueDelay();

        /**
         * Host CPU load (0..1, recent average as the JVM reports it, container-aware) at or above
         * which no site gets an additional connection: a CPU-bound sender is not made faster by
         * more connections, only by fewer handshakes. 1 turns the guard off.
         */
        @WithName("growth-cpu-limit")
        @WithDefault("0.85")
        double growthCpuLimit();

        /** Jobs queued or running for one site; beyond it a job is deferred at once. */
        @WithName("max-waiting-per-site")
        @WithDefault("1024")
        int maxWaitingPerSite();

        /** Messages a second to one site at most (GCRA; 0 = no limit); per site: site."<key or host>".message-rate. */
        @WithName("message-rate")
        @WithDefault("0")
        double messageRate();

        /** Messages that may go at once after a quiet spell, within message-rate. */
        @WithName("message-burst")
        @WithDefault("1")
        int messageBurst();

        /** New connections a minute to one site at most (GCRA; 0 = no limit). */
        @WithName("connection-rate")
        @WithDefault("0")
        double connectionRate();

        /** New connections that may open at once after a quiet spell, within connection-rate. */
        @WithName("connection-burst")
        @WithDefault("1")
        int connectionBurst();

        /**
         * A site whose whole cohort of connection attempts failed is dead for this long (doubling
         * with each verdict in a row up to dead-site-max-backoff): its jobs are deferred without
         * connecting. 0 turns dead-site memory off.
         */
        @WithName("dead-site-min-backoff")
        @WithDefault("300s")
        Duration deadSiteMinBackoff();

        @WithName("dead-site-max-backoff")
        @WithDefault("4000s")
        Duration deadSiteMaxBackoff();

        /**
         * A 4xx reply the reply rules flag throttle (a provider asking to slow down) halves the
         * site's window and deliveries per connection for this long; 0 turns throttling off.
         */
        @WithName("throttle-hold")
        @WithDefault("15m")
        Duration throttleHold();

        /** Run the delivery loop (mail.deliver in, mail.outcome out); false: unit tests without a broker. */
        @WithDefault("true")
        boolean deliver();

        /**
         * How long a finished job's outcome may wait for the next Kafka transaction, which
         * commits the outcomes and the commit points of mail.deliver together (agent.DeliveryLoopSetup).
         * Longer: fewer transactions (less CPU per message), later events. This is the interval of
         * an instance that owns every shard; one that owns a share of them waits
         * commit-interval / share, at most {@link #commitIntervalMax}, so that the instances
         * together commit about as often as one would.
         */
        @WithName("commit-interval")
        @WithDefault("100ms")
        Duration commitInterval();

        /**
         * The longest commit interval an instance that owns only some of the shards waits while
         * busy (see {@link #commitInterval}); set it to commit-interval to keep one interval
         * whatever the share.
         */
        @WithName("commit-interval-max")
        @WithDefault("500ms")
        Duration commitIntervalMax();

        /** A transaction starts at once when this many outcomes wait. */
        @WithName("commit-batch")
        @WithDefault("2000")
        int commitBatch();

        /**
         * How long the broker may hold a fetch of mail.deliver open when no job is there (the
         * consumer's fetch.max.wait.ms): idle instances fetch this often.
         */
        @WithName("fetch-wait")
        @WithDefault("2s")
        Duration fetchWait();

        /**
         * Largest metadata string of a commit of mail.deliver: the broker's
         * offset.metadata.max.bytes (Kafka's default 4096). It bounds how many unfinished jobs
         * above the commit point one partition's commit can name (pipeline.CommitPoints).
         */
        @WithName("commit-metadata-bytes")
        @WithDefault("4096")
        int commitMetadataBytes();
        /**
         * Write dead-site verdicts to the Infinispan cache warmwire-sites (queue-service's admin
         * API lists them). false: verdicts are only logged and Infinispan is never contacted (unit tests).
         */
        @WithName("publish-dead-sites")
        @WithDefault("true")
        boolean publishDeadSites();

        /**
         * How long a published verdict outlives its "until" in Infinispan (its lifespan is
         * until - now + this), so verdicts of a stopped instance vanish on their own.
         */
        @WithName("dead-site-publish-margin")
        @WithDefault("60s")
        Duration deadSitePublishMargin();

        /**
         * This instance's name: its Kafka static membership (group.instance.id of the deliver
         * channel), its entries in the shard map, its published verdicts. Stable across restarts,
         * unique in the group; application.properties defaults it to host name + HTTP port.
         */
        @WithName("instance-id")
        Optional<String> instanceId();

        /**
         * How long giving a partition away waits for its jobs in flight to end (outcome acked,
         * job marked done) before the new owner may start; jobs still running then are logged.
         */
        @WithName("handoff-timeout")
        @WithDefault("30s")
        Duration handoffTimeout();

        /**
         * How long the group waits for an instance that has stopped heartbeating (killed, hung,
         * or a restart still starting) before its shards go to the others: the delivery loop's
         * session.timeout.ms. Longer keeps a slow restart's shards where they were (static
         * membership), shorter moves a dead instance's shards sooner. 6 s to 30 min.
         */
        @WithName("group-session-timeout")
        @WithDefault("10s")
        Duration groupSessionTimeout();

        /** Publish this instance's shards and connection summary to the Infinispan cache warmwire-shards (false: unit tests). */
        @WithName("shard-map")
        @WithDefault("true")
        boolean shardMap();

        /** Follow the operator decisions on control-topic (false: no site is ever suspended; unit tests). */
        @WithName("follow-control")
        @WithDefault("true")
        boolean followControl();

        /** The compacted topic of operator decisions (suspended sites). */
        @WithName("control-topic")
        @WithDefault("mail.control")
        String controlTopic();

        /** How long a job waits for the mail.control follower to catch up after a start before it is deferred. */
        @WithName("control-wait")
        @WithDefault("30s")
        Duration controlWait();

        /** How long stopping waits for the QUITs of cached connections. */
        @WithName("shutdown-timeout")
        @WithDefault("10s")
        Duration shutdownTimeout();

        /** Overrides per site key ("mx1.example.com,mx2.example.com:25/may") or per MX host name. */
        Map<String, SiteLimits> site();
    }

    /** Per-site overrides of the connection limits; unset = the global value. */
    interface SiteLimits {
        @WithName("max-connections")
        Optional<Integer> maxConnections();

        @WithName("max-deliveries-per-connection")
        Optional<Integer> maxDeliveriesPerConnection();

        @WithName("idle-timeout")
        Optional<Duration> idleTimeout();

        @WithName("max-connection-age")
        Optional<Duration> maxConnectionAge();

        @WithName("recipients-per-transaction")
        Optional<Integer> recipientsPerTransaction();

        @WithName("initial-concurrency")
        Optional<Integer> initialConcurrency();

        @WithName("queue-delay")
        Optional<Duration> queueDelay();

        @WithName("max-waiting-per-site")
        Optional<Integer> maxWaitingPerSite();

        @WithName("message-rate")
        Optional<Double> messageRate();

        @WithName("message-burst")
        Optional<Integer> messageBurst();

        @WithName("connection-rate")
        Optional<Double> connectionRate();

        @WithName("connection-burst")
        Optional<Integer> connectionBurst();
    }
}
