package warmwire.delivery.mtasts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import io.smallrye.mutiny.Uni;
import org.junit.jupiter.api.Test;
import warmwire.testing.TestClock;

/** RFC 8461 section 5.1: when a cached policy is used, when it is fetched again, and what cannot downgrade it. */
class StsPoliciesTest {
    private final TestClock clock = new TestClock(Instant.parse("2026-12-06T00:00:00Z"));
    private final List<String> fetched = new ArrayList<>();
    private String served = policy("enforce", 3600);
    private boolean hostDown;

    private final StsPolicies policies = new StsPolicies(domain -> {
        fetched.add(domain);
        if (hostDown) {
            return Uni.createFrom().failure(new StsPolicyException(StsPolicyException.FETCH_ERROR, "policy host down"));
        }
        return Uni.createFrom().item(() -> StsPolicy.parse(served.getBytes(StandardCharsets.UTF_8)));
    }, clock, 2, Duration.ofMinutes(1));

    private Optional<StsPolicy> policy(String domain, List<String> txt) {
        return policies.policy(domain, txt).await().atMost(Duration.ofSeconds(5)).policy();
    }

    private static String policy(String mode, long maxAge) {
        return "version: STSv1\nmode: " + mode + "\nmx: mx.example.test\nmax_age: " + maxAge + "\n";
    }

    private static List<String> txt(String id) {
        return List.of("v=STSv1; id=" + id + ";");
    }

    @Test
    void theSameIdIsServedFromTheCacheANewIdIsFetched() {
        assertEquals(StsPolicy.Mode.ENFORCE, policy("example.test", txt("a")).orElseThrow().mode());
        policy("example.test", txt("a"));
        assertEquals(List.of("example.test"), fetched, "one fetch for the same id");
        served = policy("testing", 3600);
        assertEquals(StsPolicy.Mode.TESTING, policy("example.test", txt("b")).orElseThrow().mode());
        assertEquals(2, fetched.size(), "a new id: fetched again");
    }

    @Test
    void neitherAStrippedRecordNorADownHostDowngradesACachedPolicy() {
        policy("example.test", txt("a"));
        assertEquals(StsPolicy.Mode.ENFORCE, policy("example.test", List.of()).orElseThrow().mode(), "TXT gone");
        assertEquals(StsPolicy.Mode.ENFORCE, policy("example.test", null).orElseThrow().mode(), "DNS failed");
        hostDown = true;
        assertEquals(StsPolicy.Mode.ENFORCE, policy("example.test", txt("new")).orElseThrow().mode(),
                "new id, host down: the cached policy stays");
        int asked = fetched.size();
        policy("example.test", txt("new"));
        assertEquals(asked, fetched.size(), "a failed id is not fetched again at once");
        clock.advance(Duration.ofSeconds(61));
        policy("example.test", txt("new"));
        assertEquals(asked + 1, fetched.size(), "after the hold it is");
        clock.advance(Duration.ofHours(2));
        assertEquals(Optional.empty(), policy("example.test", List.of()), "expired after max_age: no policy");
    }

    @Test
    void noRecordAndNothingCachedIsNoPolicyWithoutAFetch() {
        assertEquals(Optional.empty(), policy("plain.test", List.of("v=spf1 -all")));
        assertTrue(fetched.isEmpty());
        hostDown = true;
        assertEquals(Optional.empty(), policy("down.test", txt("a")), "record but no policy host: none");
        StsPolicies.Found f = policies.policy("down2.test", txt("a")).await().atMost(Duration.ofSeconds(5));
        assertEquals("sts-policy-fetch-error", f.failure().resultType(), "the failed fetch, for the TLS report");
    }

    @Test
    void theCacheIsBounded() {
        policy("a.test", txt("1"));
        clock.advance(Duration.ofSeconds(1));
        policy("b.test", txt("1"));
        policy("c.test", txt("1"));
        assertTrue(policies.cached("a.test").isEmpty(), "the entry that expires first went");
        assertTrue(policies.cached("b.test").isPresent() && policies.cached("c.test").isPresent());
    }
}
