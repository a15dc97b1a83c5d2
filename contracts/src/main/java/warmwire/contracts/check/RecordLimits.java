package warmwire.contracts.check;

/**
 * NAME
 *   RecordLimits - the bounds every internal record is checked against.
 * DESCRIPTION
 *   Fixed bounds are constants here; the one a deployment sets is the number of recipients of
 *   one message ({@code warmwire.intake.max-recipients}, 1000 by default), which every service
 *   reads under the same key so that a job or an outcome is never refused for carrying what the
 *   intake accepted. Generous but finite: they refuse what no Warmwire service writes, never
 *   what it may write.
 */
public record RecordLimits(int maxRecipients) {
    /** The intake's default of {@code warmwire.intake.max-recipients}. */
    public static final int DEFAULT_MAX_RECIPIENTS = 1000;
    public static final RecordLimits DEFAULT = new RecordLimits(DEFAULT_MAX_RECIPIENTS);

    /** Most characters of a message id (the intake allows 255; DSNs and queue-service ids add a suffix). */
    public static final int MAX_ID = 1024;
    /** Most characters of an address: a path is at most 256 octets (RFC 5321 4.5.3.1.3); generous. */
    public static final int MAX_ADDRESS = 512;
    /** Most characters of a host name (RFC 1035: 253 in text; generous). */
    public static final int MAX_HOST = 255;
    /** Most characters of a site key, a job id or a mail.control key (up to 32 hosts of 255). */
    public static final int MAX_KEY = 16 * 1024;
    /** Most hosts of one site, most endpoints of one job. */
    public static final int MAX_ENDPOINTS = 32;
    /** TLSA records per endpoint (RFC 6698; a host publishes one or two, more during a key rollover). */
    public static final int MAX_TLSA = 4;
    /**
     * Characters of one TLSA record in presentation form: a digest is 64 or 128 hex digits, a
     * public key some hundreds, a whole certificate (matching type 0 of selector 0) a few
     * thousand; 8192 carries a 4 KiB certificate. A host with a longer record is not used
     * (routing), never run without it.
     */
    public static final int MAX_TLSA_TEXT = 8192;
    /** Names a secure site's certificate may match (the domain, its subdomains, a few configured more). */
    public static final int MAX_MATCH = 8;
    /** Published policies (TLS reports) per job or outcome: one per recipient domain of the job. */
    public static final int MAX_TLS_REPORTS = 32;
    /** Lines of a policy in a TLS report (an MTA-STS policy's lines, or TLSA records). */
    public static final int MAX_POLICY_LINES = 32;
    /** Most characters of a short label (tenant, campaign, TLS version, cipher, envid, ret). */
    public static final int MAX_LABEL = 1024;
    /** A text field longer than this is not truncated but refused: no service writes one. */
    public static final int MAX_FIELD = 64 * 1024;
    /** Most entries of a DSN NOTIFY list (NEVER, SUCCESS, FAILURE, DELAY). */
    public static final int MAX_NOTIFY = 8;
    /** Largest attempt number (a message retried every 10 s for a 5-day lifetime makes 43200). */
    public static final int MAX_ATTEMPT = 1_000_000;
    /** Largest count of deliveries on one connection. */
    public static final int MAX_CONNECTION_USE = 100_000_000;
    /** Largest delay in seconds (a year). */
    public static final double MAX_SECONDS = 366 * 86400.0;
    /** Deepest JSON nesting of any record. */
    public static final int MAX_DEPTH = 16;

    public RecordLimits {
        if (maxRecipients < 1) {
            throw new IllegalArgumentException("max-recipients must be positive: " + maxRecipients);
        }
    }
}
