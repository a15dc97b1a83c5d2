package warmwire.session.testing;

import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.infinispan.client.hotrod.MetadataValue;
import org.infinispan.client.hotrod.RemoteCache;

/**
 * An in-memory stand-in for a Hot Rod RemoteCache of strings, with the versioned operations the
 * shard map and the ticket store use: getWithMetadata, replaceWithVersion, removeWithVersion,
 * putIfAbsent, put, get, values. Unit tests only; the real server runs in the ITs.
 */
public final class FakeRemoteCache {
    public record Versioned(String value, long version) {
    }

    public final Map<String, Versioned> map = new ConcurrentHashMap<>();
    public final AtomicLong versions = new AtomicLong();

    @SuppressWarnings("unchecked")
    public RemoteCache<String, String> remote() {
        return (RemoteCache<String, String>) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {RemoteCache.class}, (p, m, a) -> switch (m.getName()) {
                    case "getWithMetadata" -> {
                        Versioned v = map.get((String) a[0]);
                        yield v == null ? null : metadata(v);
                    }
                    case "replaceWithVersion" -> {
                        Versioned v = map.get((String) a[0]);
                        if (v == null || v.version() != (long) a[2]) {
                            yield false;
                        }
                        map.put((String) a[0], new Versioned((String) a[1], versions.incrementAndGet()));
                        yield true;
                    }
                    case "removeWithVersion" -> {
                        Versioned v = map.get((String) a[0]);
                        yield v != null && v.version() == (long) a[1] && map.remove((String) a[0], v);
                    }
                    case "putIfAbsent" -> {
                        Versioned prev = map.putIfAbsent((String) a[0], new Versioned((String) a[1], versions.incrementAndGet()));
                        yield prev == null ? null : prev.value();
                    }
                    case "values" -> map.values().stream().map(Versioned::value).toList();
                    case "get" -> {
                        Versioned v = map.get((String) a[0]);
                        yield v == null ? null : v.value();
                    }
                    case "put" -> {
                        Versioned prev = map.put((String) a[0], new Versioned((String) a[1], versions.incrementAndGet()));
                        yield prev == null ? null : prev.value();
                    }
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    @SuppressWarnings("unchecked")
    private static MetadataValue<String> metadata(Versioned v) {
        return (MetadataValue<String>) Proxy.newProxyInstance(FakeRemoteCache.class.getClassLoader(),
                new Class<?>[] {MetadataValue.class}, (p, m, a) -> switch (m.getName()) {
                    case "getValue" -> v.value();
                    case "getVersion" -> v.version();
                    default -> 0;
                });
    }
}
