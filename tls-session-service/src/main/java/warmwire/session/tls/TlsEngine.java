package warmwire.session.tls;

import io.netty.handler.ssl.OpenSsl;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.SSLEngineOptions;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

/**
 * NAME
 *   TlsEngine - the TLS implementation behind the SMTP client's STARTTLS.
 * SYNOPSIS
 *   {@code TlsEngine.configured().usable()} then {@code engine.options()} into the NetClientOptions.
 * DESCRIPTION
 *   {@code conscrypt} (the default, {@link #DEFAULT}): BoringSSL through Conscrypt, whose
 *   session cache the ticket store reads and feeds ({@link ConscryptTls}). {@code openssl}:
 *   Netty's OpenSSL engine over netty-tcnative-boringssl-static (BoringSSL, native code: key
 *   exchange, signatures and AES-GCM in assembler). {@code jdk}: the JDK's SSLEngine (SunJSSE,
 *   pure-Java elliptic curves).
 *   All give the same session semantics here: any certificate is accepted at the handshake
 *   (the PeerVerifier judges the chain afterwards), SNI = the endpoint's host name, a client
 *   session cache per NetClient. {@link #usable} falls back to {@code jdk} where the native
 *   library cannot load (another platform, a Quarkus native image, where Quarkus hard-wires
 *   OpenSSL as unavailable); {@link #fallbackReason} says why.
 *   The key is {@code warmwire.tls.engine} (SessionConfig); {@link #configured} reads it through
 *   MicroProfile Config, so the engine is the same wherever the client is made.
 */
public enum TlsEngine {
    JDK,
    OPENSSL,
    CONSCRYPT;

    private static final Logger LOG = Logger.getLogger(TlsEngine.class);
    private static final Set<TlsEngine> ANNOUNCED = ConcurrentHashMap.newKeySet();

    /** The default of {@code warmwire.tls.engine}. */
    public static final TlsEngine DEFAULT = CONSCRYPT;
    public static final String KEY = "warmwire.tls.engine";

    /** {@code jdk}, {@code openssl} or {@code conscrypt}, any case. */
    public static TlsEngine parse(String s) {
        if (s != null) {
            for (TlsEngine e : values()) {
                if (e.name().equalsIgnoreCase(s.trim())) {
                    return e;
                }
            }
        }
        throw new IllegalArgumentException("unknown TLS engine \"" + s + "\" (jdk, openssl or conscrypt)");
    }

    /** {@code warmwire.tls.engine} from the application's configuration, else {@link #DEFAULT}. */
    public static TlsEngine configured() {
        Optional<String> v;
        try {
            v = ConfigProvider.getConfig().getOptionalValue(KEY, String.class);
        } catch (IllegalStateException | IllegalArgumentException e) {
            v = Optional.empty(); // no configuration here (a plain unit test)
        }
        return v.map(TlsEngine::parse).orElse(DEFAULT);
    }

    /** This engine, or {@code jdk} when this native one ({@code openssl}, {@code conscrypt}) is not available here. */
    public TlsEngine usable() {
        return unavailable() == null ? this : JDK;
    }

    /** Why this engine is not usable here; null when it is. */
    public String unavailable() {
        if (this == CONSCRYPT) {
            return ConscryptTls.available() ? null : "Conscrypt's native library does not load here";
        }
        return this == OPENSSL ? fallbackReason() : null;
    }

    /** Why {@code openssl} is not usable here; null when it is. */
    public static String fallbackReason() {
        if (OpenSSLEngineOptions.isAvailable()) {
            return null;
        }
        Throwable t;
        try {
            t = OpenSsl.unavailabilityCause();
        } catch (LinkageError e) {
            t = e;
        }
        return t == null ? "OpenSSL is not available" : String.valueOf(t.getMessage() != null ? t.getMessage() : t);
    }

    /**
     * {@link #usable}, saying once per JVM which engine runs (INFO), or why the one asked for
     * does not (WARN).
     */
    public TlsEngine inUse() {
        TlsEngine used = usable();
        if (ANNOUNCED.add(this)) {
            if (used != this) {
                LOG.warnf("TLS engine: %s is not available here (%s); using %s", wireName(), unavailable(), used.wireName());
            } else if (used == CONSCRYPT) {
                org.conscrypt.Conscrypt.Version v = org.conscrypt.Conscrypt.version();
                LOG.infof("TLS engine: conscrypt (Conscrypt %d.%d.%d, BoringSSL)", v.major(), v.minor(), v.patch());
            } else if (used == OPENSSL) {
                LOG.infof("TLS engine: openssl (%s, netty-tcnative)", OpenSsl.versionString());
            } else {
                LOG.infof("TLS engine: jdk (%s %s)", System.getProperty("java.vm.name"), System.getProperty("java.runtime.version"));
            }
        }
        return used;
    }

    /** The Vert.x engine options (a client session cache is on for all). */
    public SSLEngineOptions options() {
        return options(null);
    }

    /** As above; {@code conscrypt} takes its sessions from {@code caches} when not null (the ticket store). */
    public SSLEngineOptions options(ConscryptTls.Caches caches) {
        return switch (this) {
            case JDK -> new JdkSSLEngineOptions();
            case OPENSSL -> new OpenSSLEngineOptions();
            case CONSCRYPT -> ConscryptTls.options(caches);
        };
    }

    /** The configuration value: {@code jdk} or {@code openssl}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
