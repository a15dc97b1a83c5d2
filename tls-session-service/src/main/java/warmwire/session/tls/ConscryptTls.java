package warmwire.session.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import io.vertx.core.net.SSLEngineOptions;
import io.vertx.core.spi.tls.SslContextFactory;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.security.Provider;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.TrustManagerFactory;
import org.conscrypt.Conscrypt;
import org.conscrypt.SSLClientSessionCache;

/**
 * NAME
 *   ConscryptTls - the {@code conscrypt} TLS engine: Conscrypt (BoringSSL) SSLEngines for Vert.x,
 *   with client sessions that can leave the process and come back.
 * DESCRIPTION
 *   Why Conscrypt (README: TLS ENGINE, TICKET STORE): it is the one Java TLS stack found here
 *   whose client can load a serialized session (TLS 1.3 ticket, TLS 1.2 ticket or id) made by
 *   another process: {@link Conscrypt#setClientSessionCache} asks a {@link SSLClientSessionCache}
 *   for session bytes (BoringSSL's SSL_SESSION_from_bytes) before each handshake. Its export
 *   side hands only multi-use (TLS 1.2) sessions to that cache; TLS 1.3 tickets, single-use,
 *   stay in its in-process cache. {@link #takeSessions} therefore reads them out of that cache
 *   with reflection (NativeSslSession.toBytes, BoringSSL's SSL_SESSION_to_bytes) and removes
 *   them, so that the shared store is the only place a ticket lives and each is used once.
 *   The reflection touches four package-private members of conscrypt-openjdk-uber 2.5.2
 *   (classpath, unnamed module: no --add-opens); {@link #check} verifies them at startup.
 *   Vert.x makes one SSL context per SNI name and gives each engine the SNI name as its peer
 *   host; every Conscrypt SSLContext made here asks the one {@code caches.sessionCache()}.
 */
public final class ConscryptTls {
    private static volatile Provider provider;

    private ConscryptTls() {
    }

    /** Whether Conscrypt's native library loads here. */
    public static boolean available() {
        try {
            return Conscrypt.isAvailable();
        } catch (Throwable t) {
            return false;
        }
    }

    static Provider provider() {
        Provider p = provider;
        if (p == null) {
            synchronized (ConscryptTls.class) {
                if (provider == null) {
                    provider = Conscrypt.newProvider();
                }
                p = provider;
            }
        }
        return p;
    }

    /** The session cache each SSL context asks before a handshake (by peer host = SNI name, and port). */
    public interface Caches {
        SSLClientSessionCache sessionCache();
    }

    /** Vert.x engine options making Conscrypt contexts with {@code caches} (null: in-process cache only). */
    public static SSLEngineOptions options(Caches caches) {
        return new Options(caches);
    }

    static final class Options extends SSLEngineOptions {
        private final Caches caches;

        Options(Caches caches) {
            this.caches = caches;
        }

        @Override
        public SSLEngineOptions copy() {
            return new Options(caches);
        }

        @Override
        public SslContextFactory sslContextFactory() {
            return new Factory(caches);
        }
    }

    static final class Factory implements SslContextFactory {
        private final Caches caches;
        private TrustManagerFactory trust;

        Factory(Caches caches) {
            this.caches = caches;
        }

        @Override
        public SslContextFactory trustManagerFactory(TrustManagerFactory factory) {
            this.trust = factory;
            return this;
        }

        @Override
        public SslContext create() throws SSLException {
            try {
                SSLContext ctx = SSLContext.getInstance("TLS", provider());
                ctx.init(null, trust == null ? null : trust.getTrustManagers(), null);
                if (caches != null) {
                    Conscrypt.setClientSessionCache(ctx, caches.sessionCache());
                }
                SslContext jdk = new JdkSslContext(ctx, true, null, IdentityCipherSuiteFilter.INSTANCE,
                        ApplicationProtocolConfig.DISABLED, ClientAuth.NONE, null, false);
                return new io.netty.handler.ssl.DelegatingSslContext(jdk) {
                    @Override
                    protected void initEngine(SSLEngine engine) {
                        // Conscrypt's clients send no RFC 5077 SessionTicket extension unless told:
                        // TLS 1.2 servers that keep no session cache (Postfix's default) then never resume
                        Conscrypt.setUseSessionTickets(engine, true);
                    }
                };
            } catch (Exception e) {
                throw new SSLException("Conscrypt SSL context: " + e, e);
            }
        }
    }

    // ---------------------------------------------------------------- reflection into Conscrypt

    private static final class Members {
        final Field sessionsByHostAndPort;
        final Field host;
        final Field port;
        final Method toBytes;
        final Method removeSession;
        final Method toSslSession;
        final Field engineSsl;
        final Field wrapped;
        final Field nativeSslPointer;
        final Method sessionReused;

        Members() throws ReflectiveOperationException {
            Class<?> csc = Class.forName("org.conscrypt.ClientSessionContext");
            Class<?> hp = Class.forName("org.conscrypt.ClientSessionContext$HostAndPort");
            Class<?> session = Class.forName("org.conscrypt.NativeSslSession");
            Class<?> asc = Class.forName("org.conscrypt.AbstractSessionContext");
            Class<?> engine = Class.forName("org.conscrypt.ConscryptEngine");
            Class<?> nativeSsl = Class.forName("org.conscrypt.NativeSsl");
            Class<?> crypto = Class.forName("org.conscrypt.NativeCrypto");
            sessionsByHostAndPort = open(csc.getDeclaredField("sessionsByHostAndPort"));
            host = open(hp.getDeclaredField("host"));
            port = open(hp.getDeclaredField("port"));
            toBytes = open(session.getDeclaredMethod("toBytes"));
            toSslSession = open(session.getDeclaredMethod("toSSLSession"));
            removeSession = open(asc.getDeclaredMethod("removeSession", session));
            engineSsl = open(engine.getDeclaredField("ssl"));
            wrapped = open(Class.forName("org.conscrypt.Java8EngineWrapper").getDeclaredField("delegate"));
            nativeSslPointer = open(nativeSsl.getDeclaredField("ssl"));
            sessionReused = open(crypto.getDeclaredMethod("SSL_session_reused", long.class, nativeSsl));
        }

        private static <T extends java.lang.reflect.AccessibleObject> T open(T member) {
            member.setAccessible(true);
            return member;
        }
    }

    private static volatile Members members;

    private static Members members() {
        Members m = members;
        if (m == null) {
            try {
                m = new Members();
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new IllegalStateException("this Conscrypt version does not have the members ConscryptTls reads: " + e, e);
            }
            members = m;
        }
        return m;
    }

    /** Fails (IllegalStateException) when Conscrypt's internals are not those this class was written against. */
    public static void check() {
        members();
    }

    /** A session taken out of the engine's cache: its bytes and its protocol (TLSv1.3, TLSv1.2). */
    public record Taken(byte[] bytes, String protocol) {
    }

    /**
     * Removes from the in-process cache of {@code engine}'s context every session of the
     * engine's peer (host and port) and returns them serialized. Call on the engine's event loop
     * after the server's session tickets were read.
     */
    public static List<Taken> takeSessions(SSLEngine engine) {
        List<Taken> out = new ArrayList<>();
        if (engine == null || engine.getPeerHost() == null || !Conscrypt.isConscrypt(engine)) {
            return out;
        }
        SSLSessionContext ctx = engine.getSession().getSessionContext();
        if (ctx == null) {
            return out;
        }
        Members m = members();
        try {
            Map<?, ?> byPeer = (Map<?, ?>) m.sessionsByHostAndPort.get(ctx);
            List<Object> sessions = new ArrayList<>();
            synchronized (byPeer) {
                for (Map.Entry<?, ?> e : byPeer.entrySet()) {
                    if (engine.getPeerHost().equals(m.host.get(e.getKey())) && engine.getPeerPort() == m.port.getInt(e.getKey())) {
                        sessions.addAll((List<?>) e.getValue());
                    }
                }
            }
            for (Object s : sessions) {
                byte[] bytes = (byte[]) m.toBytes.invoke(s);
                javax.net.ssl.SSLSession view = (javax.net.ssl.SSLSession) m.toSslSession.invoke(s);
                m.removeSession.invoke(ctx, s);
                if (bytes != null) {
                    out.add(new Taken(bytes, view.getProtocol()));
                }
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("reading Conscrypt's session cache: " + e, e);
        }
        return out;
    }

    /** Whether the handshake of a Conscrypt {@code engine} resumed a session (BoringSSL's SSL_session_reused). */
    public static boolean resumed(SSLEngine engine) {
        if (engine == null || !Conscrypt.isConscrypt(engine)) {
            return false;
        }
        Members m = members();
        try {
            Object e = m.wrapped.getDeclaringClass().isInstance(engine) ? m.wrapped.get(engine) : engine;
            Object ssl = m.engineSsl.get(e);
            long pointer = m.nativeSslPointer.getLong(ssl);
            return pointer != 0 && (boolean) m.sessionReused.invoke(null, pointer, ssl);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("reading Conscrypt's engine: " + e, e);
        }
    }
}
