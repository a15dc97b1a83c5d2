package warmwire.contracts.marks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.infinispan.client.hotrod.RemoteCache;
import org.junit.jupiter.api.Test;

/** Marks gathered into few Infinispan calls, and retried while the cache does not answer. */
class IndexMarksTest {
    private final Map<String, String> store = new ConcurrentHashMap<>();
    private final AtomicInteger reads = new AtomicInteger();
    private final AtomicInteger writes = new AtomicInteger();
    private final AtomicInteger failuresLeft = new AtomicInteger();

    @SuppressWarnings("unchecked")
    private final RemoteCache<String, String> cache = (RemoteCache<String, String>) Proxy.newProxyInstance(
            getClass().getClassLoader(), new Class<?>[] {RemoteCache.class}, (proxy, method, args) -> {
                if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    return CompletableFuture.failedFuture(new IllegalStateException("down"));
                }
                switch (method.getName()) {
                    case "getAllAsync": {
                        reads.incrementAndGet();
                        Map<String, String> out = new HashMap<>();
                        for (Object k : (Set<?>) args[0]) {
                            if (store.containsKey(k)) {
                                out.put((String) k, store.get(k));
                            }
                        }
                        return CompletableFuture.completedFuture(out);
                    }
                    case "putAllAsync":
                        writes.incrementAndGet();
                        store.putAll((Map<String, String>) args[0]);
                        return CompletableFuture.completedFuture(null);
                    default:
                        return null;
                }
            });

    @Test
    void singleNamesAskedTogetherGoInOneCall() throws Exception {
        IndexMarks marks = new IndexMarks(cache, "done:", "done-job", 60);
        List<CompletableFuture<Void>> puts = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            puts.add(marks.putSoon("j" + i, "t").toCompletableFuture());
        }
        CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
        assertTrue(writes.get() <= 3, "100 marks in " + writes.get() + " write(s)");
        assertEquals("t", store.get("done:j42"), "stored under the prefix");

        List<CompletableFuture<Boolean>> asks = new ArrayList<>();
        for (int i = 95; i < 105; i++) {
            asks.add(marks.knownSoon("j" + i).toCompletableFuture());
        }
        for (int i = 0; i < asks.size(); i++) {
            assertEquals(i < 5, asks.get(i).get(5, TimeUnit.SECONDS), "j" + (95 + i));
        }
        assertTrue(reads.get() <= 2, "10 checks in " + reads.get() + " read(s)");
    }

    @Test
    void aCacheThatComesBackWithinThePatienceIsWaitedFor() throws Exception {
        store.put("done:old", "t");
        IndexMarks marks = new IndexMarks(cache, "done:", "done-job", 60, Duration.ofSeconds(10));
        failuresLeft.set(2);
        assertTrue(marks.knownSoon("old").toCompletableFuture().get(10, TimeUnit.SECONDS), "found after two failed tries");
        assertEquals(0, marks.unchecked());

        IndexMarks impatient = new IndexMarks(cache, "done:", "done-job", 60);
        failuresLeft.set(1);
        assertFalse(impatient.knownSoon("old").toCompletableFuture().get(5, TimeUnit.SECONDS), "no patience: unchecked");
        assertEquals(1, impatient.unchecked());
    }
}
