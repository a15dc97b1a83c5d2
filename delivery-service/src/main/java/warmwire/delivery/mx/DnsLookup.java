package warmwire.delivery.mx;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.dns.DnsClient;
import io.vertx.core.dns.DnsClientOptions;
import io.vertx.core.dns.DnsException;
import io.vertx.core.dns.DnsResponseCode;
import io.vertx.core.dns.MxRecord;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * NAME
 *   DnsLookup - MX, A and AAAA queries with server failover and a short answer cache.
 * DESCRIPTION
 *   One Vert.x {@link DnsClient} (one UDP socket, many queries in flight) per configured server.
 *   A query goes to the first server; when it times out, or the server answers SERVFAIL,
 *   REFUSED or another error code, the next server is asked. NXDOMAIN is authoritative and
 *   ends the query. When every server failed the lookup fails with {@link DnsTemporaryFailure}
 *   carrying the last server's failure.
 *
 *   Answers - records, NODATA and NXDOMAIN - are kept for the configured cache TTL (the
 *   Vert.x client does not expose record TTLs, so it is one fixed time); temporary failures are
 *   not kept. A lookup already in flight is shared by everyone asking for the same name and
 *   type. Beyond the configured size expired entries are dropped, and if that is not enough
 *   the cache is emptied.
 */
public final class DnsLookup implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DnsLookup.class);

    /** The record types routing asks for. */
    public enum Type { MX, A, AAAA }

    private final List<DnsClient> clients = new ArrayList<>();
    private final List<String> serverNames = new ArrayList<>();
    private final long ttlNanos;
    private final int maxEntries;
    private final ConcurrentHashMap<String, Cached> cache = new ConcurrentHashMap<>();
    private final AtomicLong queries = new AtomicLong();

    private record Cached(long expires, CompletableFuture<DnsAnswer<?>> answer) {
    }

    public DnsLookup(Vertx vertx, List<InetSocketAddress> servers, Duration timeout, Duration cacheTtl,
                     int maxEntries) {
        for (InetSocketAddress s : servers) {
            clients.add(vertx.createDnsClient(new DnsClientOptions()
                    .setHost(s.getAddress().getHostAddress())
                    .setPort(s.getPort())
                    .setQueryTimeout(Math.max(1, timeout.toMillis()))
                    .setRecursionDesired(true)));
            serverNames.add(s.getAddress().getHostAddress() + ":" + s.getPort());
        }
        this.ttlNanos = cacheTtl.isNegative() ? 0 : cacheTtl.toNanos();
        this.maxEntries = Math.max(1, maxEntries);
    }

    /** The servers asked, in order, as {@code address:port}. */
    public List<String> servers() {
        return List.copyOf(serverNames);
    }

    /** How many queries were sent to any server (cache hits excluded). */
    public long queriesSent() {
        return queries.get();
    }

    /** MX records of {@code name}; a null MX target ("." of RFC 7505) has a null or empty name. */
    public Uni<DnsAnswer<MxRecord>> mx(String name) {
        return lookup(Type.MX, name);
    }

    /** IPv4 addresses of {@code name}, as text. */
    public Uni<DnsAnswer<String>> a(String name) {
        return lookup(Type.A, name);
    }

    /** IPv6 addresses of {@code name}, as text. */
    public Uni<DnsAnswer<String>> aaaa(String name) {
        return lookup(Type.AAAA, name);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private <T> Uni<DnsAnswer<T>> lookup(Type type, String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return Uni.createFrom().completionStage(() -> (CompletableFuture) cached(type, n).copy());
    }

    private CompletableFuture<DnsAnswer<?>> cached(Type type, String name) {
        if (ttlNanos == 0) {
            return query(type, name, 0);
        }
        String key = type + " " + name;
        long now = System.nanoTime();
        Cached[] created = new Cached[1];
        Cached c = cache.compute(key, (k, old) -> {
            if (old != null && old.expires - now > 0) {
                return old;
            }
            created[0] = new Cached(now + ttlNanos, new CompletableFuture<>());
            return created[0];
        });
        if (c == created[0]) {
            query(type, name, 0).whenComplete((answer, failure) -> {
                if (failure != null) {
                    cache.remove(key, c);
                    c.answer.completeExceptionally(failure);
                } else {
                    c.answer.complete(answer);
                }
            });
            if (cache.size() > maxEntries) {
                prune();
            }
        }
        return c.answer;
    }

    private void prune() {
        long now = System.nanoTime();
        cache.values().removeIf(c -> c.expires - now <= 0);
        if (cache.size() > maxEntries) {
            cache.clear();
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private CompletableFuture<DnsAnswer<?>> query(Type type, String name, int server) {
        queries.incrementAndGet();
        DnsClient client = clients.get(server);
        Future<List<Object>> f = (Future) switch (type) {
            case MX -> client.resolveMX(name);
            case A -> client.resolveA(name);
            case AAAA -> client.resolveAAAA(name);
        };
        return f.toCompletionStage().toCompletableFuture().handle((records, failure) -> {
            if (failure == null) {
                return CompletableFuture.<DnsAnswer<?>>completedFuture(DnsAnswer.of(records));
            }
            if (failure instanceof DnsException de && de.code() == DnsResponseCode.NXDOMAIN) {
                return CompletableFuture.<DnsAnswer<?>>completedFuture(DnsAnswer.noSuchName());
            }
            String why = describe(failure);
            if (server + 1 < clients.size()) {
                LOG.debugf("DNS %s %s: %s from %s, asking %s", type, name, why, serverNames.get(server),
                        serverNames.get(server + 1));
                return query(type, name, server + 1);
            }
            LOG.debugf("DNS %s %s: %s from %s, no server left", type, name, why, serverNames.get(server));
            return CompletableFuture.<DnsAnswer<?>>failedFuture(new DnsTemporaryFailure(type.name(), name, why));
        }).thenCompose(x -> x);
    }

    private static String describe(Throwable t) {
        if (t instanceof DnsException de) {
            return de.code().name();
        }
        String m = String.valueOf(t.getMessage());
        return m.contains("timeout") ? "timeout" : t.getClass().getSimpleName() + ": " + m;
    }

    @Override
    public void close() {
        clients.forEach(DnsClient::close);
    }
}
