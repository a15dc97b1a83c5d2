package warmwire.queue.index;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import warmwire.queue.kafka.Fixtures;

/**
 * A recipient's state in the queue index is its final event ({@code f:}) when there is one,
 * else its latest other event ({@code r:}), else queued: in one message's view and in the
 * summary, whatever order the walk meets the entries in.
 */
class IndexStatesTest {
    private final Fixtures.Cache cache = new Fixtures.Cache();
    private final Map<String, String> store = cache.store;

    private static String event(String id, String rcpt, String status, String site) {
        return "{\"id\":\"" + id + "\",\"recipient\":\"" + rcpt + "\",\"status\":\"" + status + "\",\"site\":\"" + site + "\"}";
    }

    @Test
    void theFinalEventWinsOverTheLatestEarlierOne() throws Exception {
        store.put("m:m1", "{\"id\":\"m1\",\"recipients\":[\"a@x.test\",\"b@x.test\",\"c@x.test\"],\"submittedAt\":\""
                + Instant.now().minusSeconds(60) + "\"}");
        store.put("r:m1:a@x.test", event("m1", "a@x.test", "deferred", "x.test"));
        store.put("f:m1:a@x.test", event("m1", "a@x.test", "delivered", "x.test"));
        store.put("r:m1:b@x.test", event("m1", "b@x.test", "deferred", "x.test"));
        QueueIndex index = new QueueIndex(cache.remote, Fixtures.mapper(), Fixtures.config());

        ObjectNode m = index.message("m1").orElseThrow();
        assertEquals("delivered", m.path("state").path("a@x.test").path("status").asText());
        assertEquals("deferred", m.path("state").path("b@x.test").path("status").asText());
        assertEquals("queued", m.path("state").path("c@x.test").path("status").asText());

        Map<String, Object> summary = new IndexQueries(cache.remote, null, Fixtures.mapper()).summary(Instant.now());
        assertEquals(Map.of("delivered", 1, "deferred", 1, "queued", 1), summary.get("recipientsByStatus"));
        assertEquals(Map.of("x.test", 1, "(not yet attempted)", 1), summary.get("recipientsNotFinalBySite"));
        assertEquals(1, summary.get("messagesNotFinal"));
    }
}
