package warmwire.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import warmwire.testing.Poll;

/**
 * NAME
 *   Mesh - the whole of Warmwire on loopback, once per test JVM.
 * DESCRIPTION
 *   Runs {@code deploy/local/mesh.sh start} - the README's run command - with its own state
 *   folder ({@code .run/it}) and ports, so it never collides with a developer's mesh: a real
 *   Kafka broker (KRaft), a real Infinispan Server, a real Postfix smtpd peer with STARTTLS and a
 *   self-signed certificate (TLS listener and a listener without STARTTLS), and the three packaged
 *   services. Test domains are routed by a routes file: {@code tls.test} to the TLS listener,
 *   {@code plain.test} to the clear-text one; every other domain goes through real DNS, a dnsmasq
 *   on loopback started by {@code deploy/local/dns-peer.sh}. Stopped by {@code mesh.sh stop} when the JVM exits.
 *   When {@code WARMWIRE_IT_KEEP=1}, the mesh is left running for inspection.
 *
 *   Receivers of the test JVM's own ({@link SmtpSink}) are routed too: {@code sink.test}
 *   ({@link #SINK_PORT}: DSNs and scripted replies), {@code admin.test} ({@link #ADMIN_SINK_PORT},
 *   AdminApiIT's site), {@code dead.test} ({@link #DEAD_PORT}, DeadSiteIT), {@code later.test}
 *   ({@link #LATER_PORT}: closed first, opened later) and {@code nowhere.test}
 *   ({@link #NOWHERE_PORT}: nothing ever listens). Each is a site of its own, routed to a host
 *   name of its own (127.0.0.1 in the DNS peer), so an operator can suspend it by its MX host;
 *   its site key is {@code <host>:<port>/may}.
 * CRASHES
 *   {@link #kill9} sends SIGKILL to one part (Kafka broker, Infinispan Server or one service),
 *   found through its pid file under the state folder and checked by the {@code -Dwwlocal=}
 *   marker on its command line, so nothing else is ever killed; {@link #restart} starts it
 *   again with the same scripts and environment and waits until every service is ready.
 */
public final class Mesh {
    /**
     * Added to every port below (env {@code WARMWIRE_IT_PORT_OFFSET}, default 0), so that two
     * checkouts on one machine can run integration tests at once without sharing a broker.
     */
    public static final int PORT_OFFSET = Integer.parseInt(System.getenv().getOrDefault("WARMWIRE_IT_PORT_OFFSET", "0"));
    public static final int KAFKA_PORT = 19092 + PORT_OFFSET;
    public static final int INFINISPAN_PORT = 11322 + PORT_OFFSET;
    public static final int QUEUE_PORT = 18081 + PORT_OFFSET;
    public static final int PEER_TLS_PORT = 12525 + PORT_OFFSET;
    public static final int PEER_PLAIN_PORT = 12526 + PORT_OFFSET;
    public static final int DNS_PORT = 15453 + PORT_OFFSET;
    /** Where the DNSSEC peer (BIND's named, signed zones under dane.test: DaneIT) listens. */
    public static final int DNSSEC_PORT = 15363 + PORT_OFFSET;
    /** The TLS reports' period here (warmwire.tlsrpt.period; a day in production). */
    public static final Duration TLSRPT_PERIOD = Duration.ofSeconds(20);
    /** Where MtaStsIT's HTTPS policy host listens (delivery-service's warmwire.mta-sts.port). */
    public static final int STS_PORT = 15443 + PORT_OFFSET;
    /** A slow SMTP server a test may start in its own JVM (TarpitIT); tarpit.test is routed to it. */
    public static final int TARPIT_PORT = 12599 + PORT_OFFSET;
    /** limits.test's MX host (127.0.0.1 in the DNS peer) and its per-site limits (ConnectionLimitsIT). */
    public static final String LIMITS_MX = "limits.mx.test";
    public static final int LIMITS_USES = 2;
    public static final Duration LIMITS_IDLE = Duration.ofSeconds(3);
    public static final String ADMIN_TOKEN = "it-" + UUID.randomUUID();
    /** sink.test: a {@link SmtpSink} that captures mail (DSNs) and answers scripted replies. */
    public static final int SINK_PORT = 12597 + PORT_OFFSET;
    /** admin.test: AdminApiIT's own site, a {@link SmtpSink}. */
    public static final int ADMIN_SINK_PORT = 12596 + PORT_OFFSET;
    /** dead.test: DeadSiteIT's listener, which answers 421 at the greeting while the site is "down". */
    public static final int DEAD_PORT = 12598 + PORT_OFFSET;
    /** later.test: nothing listens at first; RetryIT opens a receiver here later. */
    public static final int LATER_PORT = 12595 + PORT_OFFSET;
    /**
     * Hostile receivers ({@link HostileReceiver}), one site each: huge.test, flood.test,
     * data250.test, inject.test and trickle.test at this port + the mode's ordinal.
     */
    public static final int HOSTILE_PORT = 12580 + PORT_OFFSET;
    /** The SMTP reply timeouts of the IT mesh (greeting to QUIT; RFC 5321's are minutes). */
    public static final Duration SMTP_TIMEOUT = Duration.ofSeconds(15);
    /** exim.test and smtpd.test: Exim and OpenSMTPD peers (deploy/local/mta-peer.sh), started by RealReceiversIT. */
    public static final int EXIM_PORT = 12527 + PORT_OFFSET;
    public static final int OPENSMTPD_PORT = 12528 + PORT_OFFSET;
    /** nowhere.test: nothing ever listens (connection refused: a dead site). */
    public static final int NOWHERE_PORT = 12594 + PORT_OFFSET;
    /** The routes' host names of those receivers (127.0.0.1 in the DNS peer): one site each, suspendable by host. */
    public static final String SINK_MX = "sink.mx.test";
    public static final String ADMIN_MX = "admin.mx.test";
    public static final String DEAD_MX = "down.mx.test";
    public static final String LATER_MX = "later.mx.test";
    public static final String NOWHERE_MX = "nowhere.mx.test";
    /** The queue's host name: Reporting-MTA and MAILER-DAEMON address of DSNs. */
    public static final String HOSTNAME = "mx.warmwire.test";
    /** DELAY notices (NOTIFY=DELAY) once mail waited this long (ExpiryIT); the default is 4 h. */
    public static final Duration DELAY_WARNING = Duration.ofSeconds(10);
    /** The queue lifetime of the IT mesh (WARMWIRE_QUEUE_MAXIMAL_QUEUE_LIFETIME). */
    public static final Duration QUEUE_LIFETIME = Duration.ofSeconds(40);
    /** minimal and maximal backoff of the IT mesh. */
    public static final Duration MIN_BACKOFF = Duration.ofSeconds(2);
    public static final Duration MAX_BACKOFF = Duration.ofSeconds(8);
    public static final int[] SERVICE_PORTS = {QUEUE_PORT, QUEUE_PORT + 1, QUEUE_PORT + 2};

    /** A process of the mesh that a test may kill: its -Dwwlocal marker and pid file (under the state folder). */
    public enum Part {
        KAFKA("kafka", "kafka/kafka.pid"),
        INFINISPAN("infinispan", "infinispan/infinispan.pid"),
        QUEUE("queue-service", "services/queue-service.pid"),
        DELIVERY("delivery-service", "services/delivery-service.pid"),
        SESSION("tls-session-service", "services/tls-session-service.pid");

        public final String marker;
        final String pidFile;

        Part(String marker, String pidFile) {
            this.marker = marker;
            this.pidFile = pidFile;
        }
    }

    private static Mesh instance;

    public final Path root;
    public final Path state;
    public final String bootstrap;
    public final Events events;
    public final KafkaProducer<String, String> producer;
    public final ObjectMapper json = new ObjectMapper();
    private final Map<String, String> env = new HashMap<>();
    /** The DNS peer's records file, and the records every test relies on. */
    private final Path zone;
    private final List<String> baseRecords;

    public static synchronized Mesh get() {
        if (instance == null) {
            try {
                instance = new Mesh();
            } catch (Exception e) {
                throw new IllegalStateException("mesh did not start: " + e.getMessage(), e);
            }
        }
        return instance;
    }

    private Mesh() throws Exception {
        root = Path.of(System.getProperty("warmwire.root", "..")).toAbsolutePath().normalize();
        state = root.resolve(".run/it");
        Files.createDirectories(state);
        bootstrap = "127.0.0.1:" + KAFKA_PORT;
        env.put("WARMWIRE_STATE_DIR", state.toString());
        env.put("WARMWIRE_KAFKA_PORT", String.valueOf(KAFKA_PORT));
        env.put("WARMWIRE_KAFKA_CONTROLLER_PORT", String.valueOf(KAFKA_PORT + 1));
        env.put("WARMWIRE_INFINISPAN_PORT", String.valueOf(INFINISPAN_PORT));
        env.put("WARMWIRE_INFINISPAN_JGROUPS_PORT", String.valueOf(7800 + PORT_OFFSET));
        env.put("WARMWIRE_QUEUE_PORT", String.valueOf(QUEUE_PORT));
        env.put("WARMWIRE_DELIVERY_PORT", String.valueOf(QUEUE_PORT + 1));
        env.put("WARMWIRE_SESSION_PORT", String.valueOf(QUEUE_PORT + 2));
        env.put("WARMWIRE_PEER_TLS_PORT", String.valueOf(PEER_TLS_PORT));
        env.put("WARMWIRE_PEER_PLAIN_PORT", String.valueOf(PEER_PLAIN_PORT));
        env.put("EXIM_PEER_PORT", String.valueOf(EXIM_PORT));
        env.put("OPENSMTPD_PEER_PORT", String.valueOf(OPENSMTPD_PORT));
        env.put("WARMWIRE_ADMIN_TOKEN", ADMIN_TOKEN);
        // short SMTP timeouts keep failure scenarios quick; RFC 5321 values are the defaults
        env.put("WARMWIRE_SMTP_TIMEOUTS_CONNECT", "10s");
        for (String state : List.of("GREETING", "HELO", "STARTTLS", "MAIL", "RCPT", "DATA", "DATA_BODY", "DATA_DONE")) {
            env.put("WARMWIRE_SMTP_TIMEOUTS_" + state, SMTP_TIMEOUT.toSeconds() + "s");
        }
        // a site whose connections all failed stays dead only briefly here, so that tests that
        // reach the same failing site one after another each see their own attempt
        env.put("WARMWIRE_SESSION_DEAD_SITE_MIN_BACKOFF", "2s");
        env.put("WARMWIRE_SESSION_DEAD_SITE_MAX_BACKOFF", "4s");
        // a receiver's request to slow down halves a site's limits this long (ThrottleIT; 15 min by default)
        env.put("WARMWIRE_SESSION_THROTTLE_HOLD", ThrottleIT.HOLD.toSeconds() + "s");
        // retries within seconds, and a queue lifetime a test can outwait (Postfix-like defaults
        // are 300 s / 4000 s / 5 d)
        env.put("WARMWIRE_QUEUE_MINIMAL_BACKOFF", MIN_BACKOFF.toSeconds() + "s");
        env.put("WARMWIRE_QUEUE_MAXIMAL_BACKOFF", MAX_BACKOFF.toSeconds() + "s");
        env.put("WARMWIRE_QUEUE_MAXIMAL_QUEUE_LIFETIME", QUEUE_LIFETIME.toSeconds() + "s");
        env.put("WARMWIRE_QUEUE_DELAY_WARNING_TIME", DELAY_WARNING.toSeconds() + "s");
        env.put("WARMWIRE_QUEUE_HOSTNAME", HOSTNAME);
        // a walk of the queue index for the depth metrics at most every 5 s when scraped (60 s by default)
        env.put("WARMWIRE_METRICS_QUEUE_DEPTH_INTERVAL", "5s");
        // Real DNS for every domain the routes file does not name: a dnsmasq on loopback
        // (see DnsRoutingIT); MX hosts are reached on the peer's STARTTLS port.
        zone = state.resolve("dns-records.conf");
        List<String> records = new ArrayList<>(List.of(
                "mx-host=mx.test,mail.mx.test,10",
                "host-record=mail.mx.test,127.0.0.1",
                "mx-host=fallback.test,dead.mx.test,10",
                "mx-host=fallback.test,mail.mx.test,20",
                "host-record=dead.mx.test,127.0.0.3",
                "host-record=limits.mx.test,127.0.0.1",
                "host-record=" + SINK_MX + ",127.0.0.1",
                "host-record=" + ThrottleIT.MX + ",127.0.0.1",
                "host-record=" + RateIT.MX + ",127.0.0.1",
                "host-record=" + ProviderIT.MX_A + ",127.0.0.1",
                "host-record=" + EgressIT.MX + ",127.0.0.1",
                "host-record=" + ProviderIT.MX_B + ",127.0.0.1",
                "host-record=" + ADMIN_MX + ",127.0.0.1",
                "host-record=" + DEAD_MX + ",127.0.0.1",
                "host-record=" + LATER_MX + ",127.0.0.1",
                "host-record=" + NOWHERE_MX + ",127.0.0.1",
                "mx-host=nohost.test,ghost.mx.test,10",
                "server=/timeout.test/127.0.0.1#9",
                // PrivateAddressIT: MX hosts at addresses outside the allow-list (127.0.0.0/8)
                "mx-host=private.test,mx.private.test,10", "host-record=mx.private.test,10.255.255.1",
                "mx-host=linklocal.test,mx.linklocal.test,10", "host-record=mx.linklocal.test,169.254.10.1",
                "mx-host=mcast.test,mx.mcast.test,10", "host-record=mx.mcast.test,224.0.0.1",
                "mx-host=v6loop.test,mx.v6loop.test,10", "host-record=mx.v6loop.test,::1",
                "mx-host=mixed.test,inner.mixed.test,10", "mx-host=mixed.test,mail.mx.test,20",
                "host-record=inner.mixed.test,10.0.0.25",
                "server=/dane.test/127.0.0.1#" + DNSSEC_PORT));
        records.addAll(SecureLevelIT.RECORDS);
        baseRecords = List.copyOf(records);
        writeZone(MtaStsIT.records(1));
        // DANE: dane.test is served by the DNSSEC peer; dnsmasq forwards its names there (with
        // their signatures), so the validated lookups ask dnsmasq like the others: a name outside
        // dane.test is outside the trust anchor, insecure

        env.put("WARMWIRE_DANE_TRUST_ANCHOR_FILE", state.resolve("dnssec-peer/it/trust-anchors.txt").toString());
        env.put("DNSSEC_PORT", String.valueOf(DNSSEC_PORT));
        env.put("DNS_PORT", String.valueOf(DNS_PORT));
        env.put("DNS_CONFIG", zone.toString());
        env.put("WARMWIRE_DNS_SERVERS", "127.0.0.1:" + DNS_PORT);
        env.put("WARMWIRE_DNS_TIMEOUT", "2s");
        // answers reused for 1 s only, so that a test that changes a record (MtaStsIT) sees it soon
        env.put("WARMWIRE_DNS_CACHE_TTL", "1s");
        // MTA-STS policy hosts: MtaStsIT's HTTPS server, its certificate from the Postfix peer's test CA
        env.put("WARMWIRE_MTA_STS_PORT", String.valueOf(STS_PORT));
        env.put("WARMWIRE_MTA_STS_TRUST_FILE", state.resolve("postfix-peer/ca/ca.pem").toString());
        env.put("WARMWIRE_MTA_STS_FAILURE_HOLD", "1s");
        env.put("WARMWIRE_TLSRPT_PERIOD", TLSRPT_PERIOD.toSeconds() + "s");
        env.put("WARMWIRE_TLSRPT_GRACE", "3s");
        env.put("WARMWIRE_TLSRPT_MAIL_FROM", "tlsrpt@warmwire.test");
        env.put("PEER_CERT_NAMES", MtaStsIT.CERT_NAMES + " " + SecureLevelIT.CERT_NAMES);
        // The DNS peer points the test MX hosts at 127.0.0.x; delivery-service refuses loopback
        // addresses from DNS unless allowed (PrivateAddressIT shows what is refused beside it).
        env.put("WARMWIRE_DNS_ALLOW_PRIVATE", "127.0.0.0/8");
        env.put("WARMWIRE_SMTP_PORT", String.valueOf(PEER_TLS_PORT));
        env.put("PEER_DOMAINS", "tls.test plain.test mx.test fallback.test limits.test " + MtaStsIT.PEER_DOMAINS + " "
                + DaneIT.PEER_DOMAINS + " " + SecureLevelIT.PEER_DOMAINS);
        // Our own routes file (mesh.sh honours WARMWIRE_ROUTES_FILE): mesh.sh's two demo routes
        // plus tarpit.test to a port where TarpitIT runs a slow server of its own.
        Path routes = state.resolve("it-routes");
        Files.writeString(routes, String.join("\n",
                "# written by integration-tests Mesh.java",
                "tls.test     [127.0.0.1]:" + PEER_TLS_PORT,
                "plain.test   [127.0.0.1]:" + PEER_PLAIN_PORT,
                "tarpit.test  [127.0.0.1]:" + TARPIT_PORT,
                "limits.test  [limits.mx.test]:" + PEER_TLS_PORT,
                "sink.test    [" + SINK_MX + "]:" + SINK_PORT,
                "throttle.test [" + ThrottleIT.MX + "]:" + SINK_PORT,
                "rate.test    [" + RateIT.MX + "]:" + SINK_PORT,
                "prov-a.test  [" + ProviderIT.MX_A + "]:" + SINK_PORT,
                "egress.test  [" + EgressIT.MX + "]:" + SINK_PORT,
                "chunking.test [127.0.0.1]:" + ChunkingIT.PORT,
                "prov-b.test  [" + ProviderIT.MX_B + "]:" + SINK_PORT,
                "admin.test   [" + ADMIN_MX + "]:" + ADMIN_SINK_PORT,
                "dead.test    [" + DEAD_MX + "]:" + DEAD_PORT,
                "later.test   [" + LATER_MX + "]:" + LATER_PORT,
                "nowhere.test [" + NOWHERE_MX + "]:" + NOWHERE_PORT,
                "exim.test    [127.0.0.1]:" + EXIM_PORT,
                "smtpd.test   [127.0.0.1]:" + OPENSMTPD_PORT,
                hostileRoutes(),
                shardRoutes(), ""));
        env.put("WARMWIRE_ROUTES_FILE", routes.toString());
        // Per-site limits for ConnectionLimitsIT: quoted map keys need a properties file.
        Path config = state.resolve("config");
        Files.createDirectories(config);
        Files.writeString(config.resolve("tls-session-service.properties"), String.join("\n",
                "# written by integration-tests Mesh.java",
                "warmwire.session.site.\"" + LIMITS_MX + "\".max-deliveries-per-connection=" + LIMITS_USES,
                "warmwire.session.site.\"" + LIMITS_MX + "\".idle-timeout=" + LIMITS_IDLE.toSeconds() + "s",
                "warmwire.session.site.\"" + ThrottleIT.MX + "\".max-deliveries-per-connection=" + ThrottleIT.USES,
                "warmwire.session.site.\"" + ThrottleIT.MX + "\".max-connections=1",
                "warmwire.session.site.\"" + RateIT.MX + "\".message-rate=" + RateIT.RATE,
                String.join("\n", EgressIT.settings()), ""));
        // DkimIT: the signers of dkim.test (Ed25519 and RSA keys made here) and nokey.test (a
        // key file the test writes only later)
        Files.writeString(config.resolve("delivery-service.properties"), DkimIT.signers(state.resolve("dkim")));
        // ProviderIT: one provider of two sites, read by delivery-service and tls-session-service
        Path providers = state.resolve("it-providers.txt");
        Files.writeString(providers, ProviderIT.providersFile());
        env.put("WARMWIRE_PROVIDERS_FILE", providers.toString());
        env.put("WARMWIRE_CONFIG_DIR", config.toString());
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop));
        run(Duration.ofMinutes(1), "deploy/local/dns-peer.sh", "start", "it");
        // the DNSSEC peer first, for its trust anchors (its keys stay, so they do not change when
        // the zones are signed again with the TLSA records of the Postfix peer's certificate)
        startDnssecPeer();
        run(Duration.ofMinutes(8), "deploy/local/mesh.sh", "start");
        startDnssecPeer();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 * 1024 * 1024);
        producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
        events = new Events(bootstrap, json);
    }

    /** The hostile receivers' sites: huge.test, flood.test, ... each to a port of its own. */
    private static String hostileRoutes() {
        StringBuilder b = new StringBuilder();
        for (HostileReceiver.Mode m : HostileReceiver.Mode.values()) {
            b.append(hostileDomain(m)).append(" [127.0.0.1]:").append(HOSTILE_PORT + m.ordinal()).append('\n');
        }
        return b.toString().trim();
    }

    /** The domain routed to a hostile receiver of mode {@code m}: huge.test, flood.test, data250.test, inject.test, trickle.test. */
    public static String hostileDomain(HostileReceiver.Mode m) {
        return m.name().toLowerCase().replace("_", "") + ".test";
    }

    /** ShardMoveIT's sites: shardN.test to its own Postfix peer's listener on 127.0.0.N. */
    private static String shardRoutes() {
        StringBuilder b = new StringBuilder();
        for (int n = 1; n <= ShardMoveIT.SITES; n++) {
            b.append(n == 1 ? "" : "\n").append(ShardMoveIT.domain(n)).append(" [127.0.0.").append(n).append("]:")
                    .append(ShardMoveIT.PEER_PORT);
        }
        return b.toString();
    }

    private void writeZone(List<String> extra) throws IOException {
        List<String> all = new ArrayList<>(baseRecords);
        all.addAll(extra);
        all.add("");
        Files.writeString(zone, String.join("\n", all));
    }

    /**
     * The DNS peer serves the base records and {@code extra} from now on (dns-peer.sh restarts
     * dnsmasq when its records changed). delivery-service reuses an answer for 1 s here.
     */
    public synchronized void dnsRecords(List<String> extra) throws IOException, InterruptedException {
        writeZone(extra);
        run(Duration.ofMinutes(1), "deploy/local/dns-peer.sh", "start", "it");
    }

    /** (Re)starts the DNSSEC peer with DaneIT's zones; a no-op when they did not change. */
    private void startDnssecPeer() throws IOException, InterruptedException {
        Path zones = state.resolve("dnssec-zones");
        Files.createDirectories(zones);
        for (Map.Entry<String, String> z : DaneIT.zones(peerTlsDir().resolve("cert.pem"), PEER_TLS_PORT).entrySet()) {
            Files.writeString(zones.resolve(z.getKey() + ".zone"), z.getValue());
        }
        run(Map.of("DNSSEC_ZONES", zones.toString(), "DNSSEC_UNSIGNED", DaneIT.UNSIGNED, "DNSSEC_BAD_DS", DaneIT.BAD_DS,
                        "DNSSEC_BAD_SIG", DaneIT.BAD_SIG),
                Duration.ofMinutes(1), "deploy/local/dnssec-peer.sh", "start", "it");
    }

    /** The Postfix peer's server certificate and key (PEM), signed by the test CA. */
    public Path peerTlsDir() {
        return state.resolve("postfix-peer/demo/tls");
    }

    /** Writes one record to mail.submit and waits for the broker's acknowledgement. */
    /**
     * Delivers one message from the null sender to {@code rcpt} and waits for it (60 s at most),
     * so that its site is alive before a test measures it: a site whose receiver is this JVM's
     * {@link SmtpSink} may be held dead by mail of an earlier run retried while no sink listened.
     */
    public void deliverOneTo(String rcpt) throws InterruptedException {
        Mail warm = new Mail("", rcpt);
        submit(warm.id, warm.json());
        List<com.fasterxml.jackson.databind.JsonNode> e = events.awaitEvents(x -> warm.id.equals(x.path("id").asText())
                && "delivered".equals(x.path("status").asText()), 1, Duration.ofSeconds(60));
        if (e.isEmpty()) {
            throw new IllegalStateException("no delivery to " + rcpt + " within 60 s: " + events.seen(warm.id));
        }
    }

    public void submit(String key, String value) {
        try {
            producer.send(new ProducerRecord<>("mail.submit", key, value)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("submit failed", e);
        }
    }

    /** Submits a value as these bytes, whatever they are (a client that writes no UTF-8). */
    public void submitBytes(String key, byte[] value) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, byte[]> raw = new KafkaProducer<>(p, new StringSerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            raw.send(new ProducerRecord<>("mail.submit", key, value)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("submit failed", e);
        }
    }

    /** The Postfix peer's mail log. */
    public String peerLog() throws IOException, InterruptedException {
        Path log = Path.of(run(Duration.ofSeconds(30), "deploy/local/postfix-peer.sh", "log-path", "demo").trim());
        return Files.readString(log, StandardCharsets.ISO_8859_1);
    }

    /** The Postfix peer's mail log from character {@code offset} on (see {@link #peerLog()}'s length). */
    public String peerLogSince(int offset) throws IOException, InterruptedException {
        String log = peerLog();
        return offset >= log.length() ? "" : log.substring(offset);
    }

    /** GET on queue-service's admin API; returns status code and body. */
    public HttpResponse<String> admin(String path, String token) throws Exception {
        return http("GET", QUEUE_PORT, path, token, null);
    }

    /** POST on queue-service's admin API with the admin token and no body. */
    public HttpResponse<String> adminPost(String path) throws Exception {
        return http("POST", QUEUE_PORT, path, ADMIN_TOKEN, null);
    }

    /** The site key of a route to {@code host}:{@code port} at TLS level may (contracts Site.key()). */
    public static String siteKey(String host, int port) {
        return host + ":" + port + "/may";
    }

    /** {@code s} as one URL path segment (a site key holds ':' and '/'). */
    public static String segment(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * Any HTTP call to a service port: {@code token} null sends no Authorization header,
     * {@code jsonBody} null sends no body (else it goes as application/json, as it is).
     */
    public HttpResponse<String> http(String method, int port, String path, String token, String jsonBody) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(40)); // admin actions wait up to 30 s for the broker
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (jsonBody != null) {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(jsonBody));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The pid of {@code part} when it runs (pid file names a live process carrying its marker). */
    public OptionalLong pidOf(Part part) {
        return pidOf(part.marker, part.pidFile);
    }

    /** HTTP port of tls-session-service instance {@code n} (1 is {@link Part#SESSION}). */
    public static int sessionPort(int n) {
        return QUEUE_PORT + 2 + n - 1;
    }

    /** The -Dwwlocal marker of tls-session-service instance {@code n} (mesh.sh's name for it). */
    public static String sessionName(int n) {
        return n == 1 ? Part.SESSION.marker : Part.SESSION.marker + "-" + n;
    }

    /** The pid of tls-session-service instance {@code n} when it runs. */
    public OptionalLong sessionPid(int n) {
        return pidOf(sessionName(n), "services/" + sessionName(n) + ".pid");
    }

    /**
     * Starts what is not running of a mesh with {@code count} tls-session-service instances
     * (mesh.sh, WARMWIRE_SESSION_INSTANCES) and waits until every instance is ready.
     */
    public void startSessionInstances(int count) throws Exception {
        run(Map.of("WARMWIRE_SESSION_INSTANCES", String.valueOf(count)), Duration.ofMinutes(4), "deploy/local/mesh.sh",
                "start");
    }

    /** Stops tls-session-service instance {@code n}: SIGTERM, then waits for it to exit (kill -9 after 60 s). */
    public void stopSession(int n) throws Exception {
        OptionalLong pid = sessionPid(n);
        if (pid.isEmpty()) {
            return;
        }
        ProcessHandle h = ProcessHandle.of(pid.getAsLong()).orElse(null);
        if (h == null) {
            return;
        }
        h.destroy();
        try {
            h.onExit().get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            h.destroyForcibly();
            h.onExit().get(30, TimeUnit.SECONDS);
        }
        System.out.println("[mesh] stopped " + sessionName(n) + " (pid " + pid.getAsLong() + ")");
    }

    /** kill -9 of tls-session-service instance {@code n}; returns its pid once it is gone. */
    public long kill9Session(int n) throws Exception {
        long pid = sessionPid(n).orElseThrow(() -> new IllegalStateException(sessionName(n) + " is not running"));
        ProcessHandle h = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException(sessionName(n) + " vanished"));
        h.destroyForcibly();
        h.onExit().get(60, TimeUnit.SECONDS);
        System.out.println("[mesh] killed -9 " + sessionName(n) + " (pid " + pid + ")");
        return pid;
    }

    private OptionalLong pidOf(String marker, String pidFile) {
        try {
            Path file = state.resolve(pidFile);
            if (!Files.isRegularFile(file)) {
                return OptionalLong.empty();
            }
            long pid = Long.parseLong(Files.readString(file).trim());
            Path cmdline = Path.of("/proc/" + pid + "/cmdline");
            if (!Files.isReadable(cmdline)) {
                return OptionalLong.empty();
            }
            List<String> args = List.of(new String(Files.readAllBytes(cmdline), StandardCharsets.UTF_8).split("\0"));
            return args.contains("-Dwwlocal=" + marker) ? OptionalLong.of(pid) : OptionalLong.empty();
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * SIGTERM to those of {@code pids} that are still smtpd processes of this mesh's Postfix peer
     * (its daemons run in their instance's queue directory under the state directory): the log
     * outlives earlier runs, and a pid from an old line may since belong to anything. Returns
     * how many were killed.
     */
    public int killPeerSmtpd(Collection<String> pids) throws Exception {
        int killed = 0;
        for (String pid : pids) {
            String cmd;
            Path cwd;
            try {
                cmd = Files.readString(Path.of("/proc", pid, "cmdline"), StandardCharsets.ISO_8859_1);
                cwd = Files.readSymbolicLink(Path.of("/proc", pid, "cwd"));
            } catch (IOException gone) {
                continue;
            }
            if (!cmd.startsWith("smtpd") || !cwd.startsWith(state)) {
                continue;
            }
            Process p = new ProcessBuilder("kill", pid).inheritIO().start();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("kill " + pid + " failed");
            }
            killed++;
        }
        return killed;
    }

    /** kill -9 of {@code part}; returns when the process is gone. Returns its pid. */
    public long kill9(Part part) throws Exception {
        long pid = pidOf(part).orElseThrow(() -> new IllegalStateException(part.marker + " is not running"));
        ProcessHandle h = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException(part.marker + " vanished"));
        if (!h.destroyForcibly()) { // SIGKILL
            throw new IllegalStateException("cannot kill " + part.marker + " (pid " + pid + ")");
        }
        h.onExit().get(60, TimeUnit.SECONDS);
        System.out.println("[mesh] killed -9 " + part.marker + " (pid " + pid + ")");
        return pid;
    }

    /**
     * Starts {@code part} again with its own script (the broker and Infinispan) or
     * {@code mesh.sh start} (a service: it starts what is not running), then waits until all
     * three services answer ready. Returns the time from the call until then.
     */
    public Duration restart(Part part) throws Exception {
        long t0 = System.nanoTime();
        switch (part) {
            case KAFKA -> run(Duration.ofMinutes(4), "deploy/local/kafka.sh", "start");
            case INFINISPAN -> run(Duration.ofMinutes(4), "deploy/local/infinispan.sh", "start");
            default -> {
                // mesh.sh start refuses a port held by a service that runs but is not ready yet
                awaitReady(Duration.ofMinutes(2), part);
                run(Duration.ofMinutes(4), "deploy/local/mesh.sh", "start");
            }
        }
        awaitReady(Duration.ofMinutes(3), null);
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    /** Waits until every service but {@code except} answers 200 on /q/health/ready. */
    public void awaitReady(Duration timeout, Part except) throws Exception {
        Poll.until(timeout, Duration.ofMillis(250), () -> notReady(except), List::isEmpty, notReady -> "not ready: " + notReady);
    }

    /** The services but {@code except} that do not answer 200 on /q/health/ready, with what they answered. */
    private List<String> notReady(Part except) throws Exception {
        Part[] services = {Part.QUEUE, Part.DELIVERY, Part.SESSION};
        List<String> notReady = new ArrayList<>();
        for (int i = 0; i < services.length; i++) {
            if (services[i] == except) {
                continue;
            }
            int code;
            try {
                code = http("GET", SERVICE_PORTS[i], "/q/health/ready", null, null).statusCode();
            } catch (IOException e) {
                code = -1;
            }
            if (code != 200) {
                notReady.add(services[i].marker + " (" + (code < 0 ? "no answer" : "HTTP " + code) + ")");
            }
        }
        return notReady;
    }

    /** POST on queue-service's admin API with a JSON body (may be null); returns status code and body. */
    public HttpResponse<String> adminPost(String path, String token, String jsonBody) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + QUEUE_PORT + path))
                .timeout(Duration.ofSeconds(40))
                .header("Content-Type", "application/json")
                .POST(jsonBody == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(jsonBody));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    public JsonNode parse(String s) {
        try {
            return json.readTree(s);
        } catch (IOException e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    private void stop() {
        if ("1".equals(System.getenv("WARMWIRE_IT_KEEP"))) {
            return;
        }
        try {
            if (events != null) {
                events.close();
            }
            run(Duration.ofMinutes(1), "deploy/local/mta-peer.sh", "stop", "exim");
            run(Duration.ofMinutes(1), "deploy/local/mta-peer.sh", "stop", "opensmtpd");
            run(Duration.ofMinutes(2), "deploy/local/mesh.sh", "stop");
            run(Duration.ofMinutes(1), "deploy/local/dns-peer.sh", "stop", "it");
            run(Duration.ofMinutes(1), "deploy/local/dnssec-peer.sh", "stop", "it");
        } catch (Exception e) {
            System.err.println("mesh stop failed: " + e.getMessage());
        }
    }

    /** Runs a project script from the repository root with the mesh's environment; fails on non-zero exit. */
    String run(Duration timeout, String... command) throws IOException, InterruptedException {
        return run(Map.of(), timeout, command);
    }

    /** As {@link #run(Duration, String...)}, with {@code extra} added to the environment. */
    String run(Map<String, String> extra, Duration timeout, String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bash"));
        cmd.addAll(List.of(command));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        pb.environment().putAll(extra);
        Path out = Files.createTempFile(state, "script", ".log");
        pb.redirectOutput(out.toFile());
        Process p = pb.start();
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " timed out; output:\n" + Files.readString(out));
        }
        String output = Files.readString(out);
        Files.deleteIfExists(out);
        if (!List.of(command).contains("log-path")) {
            output.lines().forEach(l -> System.out.println("[" + command[0] + "] " + l));
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited " + p.exitValue() + ":\n" + output);
        }
        return output;
    }
}
