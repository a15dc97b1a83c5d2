package warmwire.session.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.infinispan.client.hotrod.RemoteCache;
import org.junit.jupiter.api.Test;
import warmwire.session.readyq.DeadSites;
import warmwire.session.smtp.SmtpFailure;
import warmwire.session.smtp.SmtpState;
import warmwire.testing.FakeRemoteCache;

/** The verdict's JSON and lifespan (pure), and the writes against a stand-in cache: no Infinispan. */
class DeadSitePublisherTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    private static DeadSites.Verdict dead(String site, int count) {
        return new DeadSites.Verdict(site, NOW.minusSeconds(600), NOW.plusSeconds(300), count,
                new SmtpFailure(SmtpFailure.Kind.CONNECT, SmtpState.CONNECT, null,
                        "connect to mx.example.com[192.0.2.1]:25: Connection refused"));
    }

    private static DeadSites.Verdict alive(String site) {
        return new DeadSites.Verdict(site, NOW.minusSeconds(600), NOW, 0, null);
    }

    @Test
    void deadVerdictJson() throws Exception {
        JsonNode j = JSON.readTree(DeadSitePublisher.json(dead("mx.example.com:25/may", 2), "host-a:42"));
        assertEquals(List.of("site", "dead", "since", "until", "count", "error", "instance"),
                iterable(j.fieldNames()));
        assertEquals("mx.example.com:25/may", j.get("site").asText());
        assertTrue(j.get("dead").asBoolean());
        assertEquals("2026-11-28T11:50:00Z", j.get("since").asText());
        assertEquals("2026-11-28T12:05:00Z", j.get("until").asText());
        assertEquals(NOW.plusSeconds(300), Instant.parse(j.get("until").asText()), "queue-service parses it as an Instant");
        assertEquals(2, j.get("count").asInt());
        assertEquals("connect to mx.example.com[192.0.2.1]:25: Connection refused", j.get("error").asText());
        assertEquals("host-a:42", j.get("instance").asText());
    }

    @Test
    void aliveVerdictJsonSaysNotDead() throws Exception {
        JsonNode j = JSON.readTree(DeadSitePublisher.json(alive("s\"with quotes"), "host-a:42"));
        assertEquals("s\"with quotes", j.get("site").asText(), "escaped");
        assertFalse(j.get("dead").asBoolean());
        assertEquals(0, j.get("count").asInt());
        assertTrue(j.get("error").isNull());
        assertEquals(NOW.toString(), j.get("until").asText());
    }

    @Test
    void lifespanIsUntilPlusMarginForDeadSitesAndTheMarginForLiveOnes() {
        assertEquals(300 + 60, DeadSitePublisher.lifespanSeconds(dead("s", 1), CLOCK, Duration.ofSeconds(60)));
        assertEquals(60, DeadSitePublisher.lifespanSeconds(alive("s"), CLOCK, Duration.ofSeconds(60)));
        DeadSites.Verdict past = new DeadSites.Verdict("s", NOW.minusSeconds(900), NOW.minusSeconds(300), 1, null);
        assertEquals(1, DeadSitePublisher.lifespanSeconds(past, CLOCK, Duration.ZERO), "at least a second");
    }

    /** A cache that records putAsync(key, value, lifespan, unit) and answers it with {@code answer}. */
    private static RemoteCache<String, String> cache(List<Object[]> puts, CompletableFuture<String> answer) {
        return new FakeRemoteCache().answer("putAsync", args -> {
            puts.add(args);
            return answer;
        }).remote();
    }

    @Test
    void verdictsAreWrittenInOrderWithTheirLifespan() throws Exception {
        List<Object[]> puts = new CopyOnWriteArrayList<>();
        AtomicInteger opens = new AtomicInteger();
        DeadSitePublisher p = new DeadSitePublisher(true, () -> {
            opens.incrementAndGet();
            return cache(puts, CompletableFuture.completedFuture(null));
        }, "host-a:42", Duration.ofSeconds(60), CLOCK);
        p.accept(dead("site-1", 1));
        p.accept(alive("site-1"));
        await("both written").until(() -> p.written() == 2);
        assertEquals(1, opens.get(), "the cache is opened once");
        assertEquals("site-1", puts.get(0)[0]);
        assertTrue(JSON.readTree((String) puts.get(0)[1]).get("dead").asBoolean());
        assertEquals(360L, puts.get(0)[2]);
        assertEquals(TimeUnit.SECONDS, puts.get(0)[3]);
        assertFalse(JSON.readTree((String) puts.get(1)[1]).get("dead").asBoolean(), "alive after dead");
        assertEquals(60L, puts.get(1)[2]);
        assertEquals(0, p.failures());
        p.stop();
    }

    @Test
    void failuresAreCountedNeverThrownAndTheCacheIsOpenedAgainLater() throws Exception {
        AtomicInteger opens = new AtomicInteger();
        List<Object[]> puts = new CopyOnWriteArrayList<>();
        DeadSitePublisher p = new DeadSitePublisher(true, () -> {
            if (opens.incrementAndGet() == 1) {
                throw new IllegalStateException("ISPN004xxx: no server reachable");
            }
            return cache(puts, CompletableFuture.failedFuture(new RuntimeException("write refused")));
        }, "host-a:42", Duration.ofSeconds(60), CLOCK);
        p.accept(dead("site-1", 1)); // open fails
        p.accept(dead("site-1", 2)); // open works, the write fails
        await("both failures counted").until(() -> p.failures() == 2);
        assertEquals(2, opens.get());
        assertEquals(1, puts.size());
        assertEquals(0, p.written());
        p.stop();
    }

    @Test
    void turnedOffItNeverOpensTheCache() throws Exception {
        AtomicInteger opens = new AtomicInteger();
        DeadSitePublisher p = new DeadSitePublisher(false, () -> {
            opens.incrementAndGet();
            return null;
        }, "host-a:42", Duration.ofSeconds(60), CLOCK);
        p.accept(dead("site-1", 1));
        p.stop();
        assertEquals(0, opens.get());
        assertEquals(0, p.failures());
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
