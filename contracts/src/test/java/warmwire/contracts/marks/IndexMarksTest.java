package warmwire.contracts.marks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.infinispan.client.hotrod.RemoteCache;
import org.junit.jupiter.api.Test;
import warmwire.testing.FakeRemoteCache;

/** Marks gathered into few Infinispan calls, and retried while the cache does not answer. */
class IndexMarksTest {
    private final FakeRemoteCache fake = new FakeRemoteCache();
    private final Map<String, String> store = fake.store;
    private final RemoteCache<String, String> cache = fake.remote();

    @Test
    void singleNamesAskedTogetherGoInOneCall() throws Exception {
        IndexMarks marks = new IndexMarks(cache, "done:", "done-job", 60);
        List<CompletableFuture<Void>> puts = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            puts.add(marks.putSoon("j" + i, "t").toCompletableFuture());
        }
        CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
        assertTrue(fake.calls("putAllAsync").size() <= 3, "100 marks in " + fake.calls("putAllAsync").size() + " write(s)");
        assertEquals("t", store.get("done:j42"), "stored under the prefix");

        List<CompletableFuture<Boolean>> asks = new ArrayList<>();
        for (int i = 95; i < 105; i++) {
            asks.add(marks.knownSoon("j" + i).toCompletableFuture());
        }
        for (int i = 0; i < asks.size(); i++) {
            assertEquals(i < 5, asks.get(i).get(5, TimeUnit.SECONDS), "j" + (95 + i));
        }
        assertTrue(fake.calls("getAllAsync").size() <= 2, "10 checks in " + fake.calls("getAllAsync").size() + " read(s)");
    }

    @Test
    void aCacheThatComesBackWithinThePatienceIsWaitedFor() throws Exception {
        store.put("done:old", "t");
        IndexMarks marks = new IndexMarks(cache, "done:", "done-job", 60, Duration.ofSeconds(10));
        fake.failNext(2);
        assertTrue(marks.knownSoon("old").toCompletableFuture().get(10, TimeUnit.SECONDS), "found after two failed tries");
        assertEquals(0, marks.unchecked());

        IndexMarks impatient = new IndexMarks(cache, "done:", "done-job", 60);
        fake.failNext(1);
        assertFalse(impatient.knownSoon("old").toCompletableFuture().get(5, TimeUnit.SECONDS), "no patience: unchecked");
        assertEquals(1, impatient.unchecked());
    }
}
