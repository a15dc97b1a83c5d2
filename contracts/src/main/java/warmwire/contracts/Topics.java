package warmwire.contracts;

/**
 * NAME
 *   Topics - every Kafka topic Warmwire reads or writes, named once.
 * DESCRIPTION
 *   {@code mail.submit}, {@code mail.submit.dlq} and {@code mail.events} are public contracts
 *   (DESIGN.md); the others are internal hops. Each service maps its channels to these names in
 *   application.properties, where an operator may rename them.
 *
 *   submit -> (queue-service) -> route -> (delivery-service) -> deliver -> (tls-session-service)
 *   -> outcome -> (queue-service) -> events; a first attempt delivered to every recipient:
 *   deliver -> (tls-session-service) -> events
 */
public final class Topics {
    /** Intake: {@link warmwire.contracts.mail.Submission} JSON, written by users. */
    public static final String SUBMIT = "mail.submit";
    /** Records that failed validation, with the reason in headers. */
    public static final String SUBMIT_DLQ = "mail.submit.dlq";
    /** One {@link warmwire.contracts.outcome.DeliveryEvent} per recipient per state change. */
    public static final String EVENTS = "mail.events";
    /** Accepted mail waiting for routing: {@link warmwire.contracts.mail.QueuedMessage}. */
    public static final String ROUTE = "mail.route";
    /** Delivery jobs keyed by site: {@link warmwire.contracts.route.DeliveryJob}. The partition is the shard. */
    public static final String DELIVER = "mail.deliver";
    /** Per-recipient results of routing and delivery: {@link warmwire.contracts.outcome.DeliveryOutcome}. */
    public static final String OUTCOME = "mail.outcome";

    /**
     * Retry tiers {@code mail.retry.1} .. {@code mail.retry.}{@value #RETRY_TIERS}: deferred mail
     * ({@link warmwire.contracts.mail.QueuedMessage} with {@code notBefore}) waiting for its next
     * attempt. Tier i holds the waits of the i-th backoff step (queue-service sets their lengths);
     * within a tier records come due in offset order.
     */
    public static final String RETRY_PREFIX = "mail.retry.";
    public static final int RETRY_TIERS = 5;
    /**
     * Operator actions (delete, hold, release, retry now, suspend and resume a site), compacted,
     * keyed by what they act on: the durable source of truth every instance follows.
     */
    public static final String CONTROL = "mail.control";

    /**
     * TLS results of deliveries to domains under a published policy ({@link
     * warmwire.contracts.tlsrpt.TlsResult}), keyed by policy domain: carried on outcomes,
     * written by queue-service (or by tls-session-service with a delivered first attempt's
     * events), counted into reports by delivery-service.
     */
    public static final String TLS_RESULTS = "mail.tls-results";
    /**
     * TLS reports (RFC 8460 JSON, one per policy domain and reporting period), keyed by policy
     * domain, with the domain's {@code rua} in a header: for a mailer or an operator to send on.
     */
    public static final String TLSRPT = "mail.tlsrpt";
    /** Header on a {@link #TLSRPT} record: the {@code rua} of the domain's {@code _smtp._tls} record, if any. */
    public static final String HEADER_RUA = "warmwire-tlsrpt-rua";

    /**
     * Dead letters of the internal topics: a record of {@code mail.route}, {@code mail.deliver},
     * {@code mail.outcome}, {@code mail.retry.*} or {@code mail.control} that is not valid for
     * its topic, as a {@link warmwire.contracts.check.InternalDeadLetter} (source position,
     * service, reason, the original value's first 64 KiB). Its source record is acknowledged.
     */
    public static final String INTERNAL_DLQ = "mail.internal.dlq";

    /** The topic of retry tier {@code tier} (1-based; larger values clamp to the last tier). */
    public static String retry(int tier) {
        return RETRY_PREFIX + Math.max(1, Math.min(RETRY_TIERS, tier));
    }

    /** Header on a retry tier record: the site key of the attempt that deferred it (site-wide retry now). */
    public static final String HEADER_SITE = "warmwire-site";

    /** Header on a DLQ record: why it was rejected. */
    public static final String HEADER_REJECT_REASON = "warmwire-reject-reason";

    /** Largest message body accepted by default (10 MiB), before transfer encoding. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
    /**
     * Largest Kafka record the topics must carry: a 10 MiB message travels base64-encoded
     * (4/3) inside JSON with its envelope, so topics and clients allow 16 MiB.
     */
    public static final int MAX_RECORD_BYTES = 16 * 1024 * 1024;

    private Topics() {
    }
}
