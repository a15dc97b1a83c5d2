package warmwire.session.testing;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import warmwire.session.readyq.ConnectionCache;

/**
 * NAME
 *   Loopback - a test class's Vert.x, and the servers, clients and caches its tests open on loopback.
 * DESCRIPTION
 *   Register it static: {@code @RegisterExtension static final Loopback net = new Loopback();}.
 *   One Vertx per test class, made before all and closed after all (10 s). {@link #server()}
 *   makes a ScriptedSmtpServer; {@link #client} and {@link #cache} take what a test made on
 *   {@link #vertx()}. After each test all of them are closed, in this order: caches shut down
 *   (2 s grace, 5 s wait), then clients, then servers. Every one is closed even if one fails;
 *   the first failure is thrown, the others added to it as suppressed.
 */
public final class Loopback implements BeforeAllCallback, AfterAllCallback, AfterEachCallback {
    private Vertx vertx;
    private final List<ScriptedSmtpServer> servers = new ArrayList<>();
    private final List<NetClient> clients = new ArrayList<>();
    private final List<ConnectionCache> caches = new ArrayList<>();

    public Vertx vertx() {
        if (vertx == null) {
            throw new IllegalStateException("Loopback not started: register it as a static @RegisterExtension field");
        }
        return vertx;
    }

    /** A new scripted server, closed after the test. */
    public ScriptedSmtpServer server() throws Exception {
        ScriptedSmtpServer s = new ScriptedSmtpServer();
        servers.add(s);
        return s;
    }

    /** {@code c}, closed after the test. */
    public NetClient client(NetClient c) {
        clients.add(c);
        return c;
    }

    /** {@code c}, shut down after the test. */
    public ConnectionCache cache(ConnectionCache c) {
        caches.add(c);
        return c;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        vertx = Vertx.vertx();
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        Closing closing = new Closing();
        for (ConnectionCache c : caches) {
            closing.run(() -> c.shutdown(Duration.ofSeconds(2)).toCompletionStage().toCompletableFuture()
                    .get(5, TimeUnit.SECONDS));
        }
        for (NetClient c : clients) {
            closing.run(c::close);
        }
        for (ScriptedSmtpServer s : servers) {
            closing.run(s::close);
        }
        caches.clear();
        clients.clear();
        servers.clear();
        closing.rethrow();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        Vertx v = vertx;
        vertx = null;
        if (v != null) {
            v.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    /** Runs every step, keeps the first failure and suppresses the rest into it. */
    private static final class Closing {
        interface Step {
            void run() throws Exception;
        }

        private Exception failure;

        void run(Step step) {
            try {
                step.run();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }

        void rethrow() throws Exception {
            if (failure != null) {
                throw failure;
            }
        }
    }
}
