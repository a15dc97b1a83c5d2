package warmwire.testing;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.infinispan.client.hotrod.MetadataValue;
import org.infinispan.client.hotrod.RemoteCache;
import org.infinispan.client.hotrod.exceptions.TransportException;
import org.infinispan.commons.util.CloseableIterator;

/**
 * NAME
 *   FakeRemoteCache - an in-memory stand-in for a Hot Rod RemoteCache of strings, for unit tests.
 * DESCRIPTION
 *   {@link #remote()} answers the calls the services make on {@link #store}: get, getAll,
 *   getAllAsync, put, putAsync, putIfAbsent, putAll, putAllAsync, remove, removeAsync, values,
 *   retrieveEntries, size, and the versioned getWithMetadata, replaceWithVersion and
 *   removeWithVersion (every write gives its entry a new version). Lifespans are accepted and
 *   not applied. Any other call fails (UnsupportedOperationException), so a test never passes on
 *   an answer the real server would not give. The real Infinispan Server runs in the ITs.
 *   Tests can also see every call ({@link #calls}), make the next calls fail
 *   ({@link #failNext}), take the cache down ({@link #down}) or answer a method themselves
 *   ({@link #answer}).
 */
public final class FakeRemoteCache {
    /** The entries. Tests may read and write it; an entry written here directly has version 0. */
    public final Map<String, String> store = new ConcurrentHashMap<>();
    private final Map<String, Long> versions = new ConcurrentHashMap<>();
    private final AtomicLong lastVersion = new AtomicLong();
    private final Map<String, List<Object[]>> calls = new ConcurrentHashMap<>();
    private final Map<String, Function<Object[], Object>> answers = new ConcurrentHashMap<>();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private volatile boolean down;
    private final RemoteCache<String, String> remote;

    @SuppressWarnings("unchecked")
    public FakeRemoteCache() {
        remote = (RemoteCache<String, String>) Proxy.newProxyInstance(FakeRemoteCache.class.getClassLoader(),
                new Class<?>[] {RemoteCache.class}, (proxy, m, a) -> call(m.getName(), a == null ? new Object[0] : a));
    }

    /** The cache as the code under test sees it. */
    public RemoteCache<String, String> remote() {
        return remote;
    }

    /** The arguments of every call of {@code method} so far, in order. */
    public List<Object[]> calls(String method) {
        return calls.getOrDefault(method, List.of());
    }

    /** The next {@code n} calls fail: an async one with a failed future, the others by throwing. */
    public FakeRemoteCache failNext(int n) {
        failuresLeft.set(n);
        return this;
    }

    /** While down, every call throws a TransportException, as a client whose server went away. */
    public FakeRemoteCache down(boolean down) {
        this.down = down;
        return this;
    }

    /** {@code method} is answered by {@code how} (given the call's arguments) instead of the store. */
    public FakeRemoteCache answer(String method, Function<Object[], Object> how) {
        answers.put(method, how);
        return this;
    }

    /** The version of {@code key}'s entry (0 when written directly to {@link #store}, -1 when absent). */
    public long version(String key) {
        return store.containsKey(key) ? versions.getOrDefault(key, 0L) : -1;
    }

    private Object call(String method, Object[] a) {
        switch (method) {
            case "toString":
                return "fake cache";
            case "hashCode":
                return System.identityHashCode(this);
            case "equals":
                return a[0] == remote;
            default:
                break;
        }
        calls.computeIfAbsent(method, k -> new CopyOnWriteArrayList<>()).add(a);
        if (down) {
            throw new TransportException("fake cache down", null);
        }
        boolean async = method.endsWith("Async");
        if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            IllegalStateException e = new IllegalStateException("fake cache: failed as the test asked");
            if (async) {
                return CompletableFuture.failedFuture(e);
            }
            throw e;
        }
        Function<Object[], Object> how = answers.get(method);
        if (how != null) {
            return how.apply(a);
        }
        Object result = answer(async ? method.substring(0, method.length() - "Async".length()) : method, a);
        return async ? CompletableFuture.completedFuture(result) : result;
    }

    @SuppressWarnings("unchecked")
    private synchronized Object answer(String method, Object[] a) {
        switch (method) {
            case "get":
                return store.get((String) a[0]);
            case "getAll": {
                Map<String, String> out = new HashMap<>();
                for (Object k : (Set<?>) a[0]) {
                    String v = store.get((String) k);
                    if (v != null) {
                        out.put((String) k, v);
                    }
                }
                return out;
            }
            case "put":
                return write((String) a[0], (String) a[1]);
            case "putIfAbsent":
                return store.containsKey((String) a[0]) ? store.get((String) a[0]) : write((String) a[0], (String) a[1]);
            case "putAll":
                ((Map<String, String>) a[0]).forEach(this::write);
                return null;
            case "remove": {
                versions.remove((String) a[0]);
                return store.remove((String) a[0]);
            }
            case "values":
                return new ArrayList<>(store.values());
            case "size":
                return store.size();
            case "retrieveEntries":
                return entries();
            case "getWithMetadata": {
                String v = store.get((String) a[0]);
                return v == null ? null : metadata(v, version((String) a[0]));
            }
            case "replaceWithVersion": {
                String k = (String) a[0];
                if (!store.containsKey(k) || version(k) != (long) a[2]) {
                    return false;
                }
                write(k, (String) a[1]);
                return true;
            }
            case "removeWithVersion": {
                String k = (String) a[0];
                if (!store.containsKey(k) || version(k) != (long) a[1]) {
                    return false;
                }
                store.remove(k);
                versions.remove(k);
                return true;
            }
            default:
                throw new UnsupportedOperationException("FakeRemoteCache does not answer " + method);
        }
    }

    private String write(String key, String value) {
        versions.put(key, lastVersion.incrementAndGet());
        return store.put(key, value);
    }

    private CloseableIterator<Map.Entry<Object, Object>> entries() {
        Iterator<Map.Entry<Object, Object>> it = new HashMap<Object, Object>(store).entrySet().iterator();
        return new CloseableIterator<>() {
            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public Map.Entry<Object, Object> next() {
                return it.next();
            }

            @Override
            public void close() {
            }
        };
    }

    @SuppressWarnings("unchecked")
    private static MetadataValue<String> metadata(String value, long version) {
        return (MetadataValue<String>) Proxy.newProxyInstance(FakeRemoteCache.class.getClassLoader(),
                new Class<?>[] {MetadataValue.class}, (p, m, a) -> switch (m.getName()) {
                    case "getValue" -> value;
                    case "getVersion" -> version;
                    default -> 0;
                });
    }
}
