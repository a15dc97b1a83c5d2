package warmwire.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class TopicDefinitionsTest {
    private final Map<String, TopicDefinitions.Topic> topics = TopicDefinitions.load().stream()
            .collect(Collectors.toMap(TopicDefinitions.Topic::name, Function.identity()));

    @Test
    void everyTopicTheCodeNamesIsDefined() {
        List<String> named = new ArrayList<>(List.of(Topics.SUBMIT, Topics.SUBMIT_DLQ, Topics.EVENTS, Topics.ROUTE,
                Topics.DELIVER, Topics.OUTCOME, Topics.CONTROL, Topics.INTERNAL_DLQ, Topics.TLS_RESULTS, Topics.TLSRPT));
        for (int tier = 1; tier <= Topics.RETRY_TIERS; tier++) {
            named.add(Topics.retry(tier));
        }
        for (String name : named) {
            assertTrue(topics.containsKey(name), name + " missing from topics.tsv");
        }
        assertEquals(named.size(), topics.size(), "topics.tsv has topics the code does not name: " + topics.keySet());
    }

    @Test
    void recordSizesFollowTheContract() {
        long max = Topics.MAX_RECORD_BYTES;
        assertEquals(max - 1024 * 1024, topics.get(Topics.SUBMIT).maxMessageBytes().getAsLong(),
                "mail.submit 1 MiB below the DLQ, so a rejected record fits with its headers");
        for (TopicDefinitions.Topic t : topics.values()) {
            if (!t.name().equals(Topics.SUBMIT)) {
                assertEquals(max, t.maxMessageBytes().getAsLong(), t.name());
            }
        }
    }

    @Test
    void theShardTopicHasTheDeliverPartitionsAndControlIsCompacted() {
        assertEquals(TopicDefinitions.DELIVER_PARTITIONS, topics.get(Topics.DELIVER).partitions());
        assertEquals("compact", topics.get(Topics.CONTROL).cleanupPolicy());
        assertEquals("delete", topics.get(Topics.EVENTS).cleanupPolicy());
    }

    @Test
    void malformedLinesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> TopicDefinitions.parse(List.of("a standard delete 1")));
        assertThrows(IllegalArgumentException.class, () -> TopicDefinitions.parse(List.of("a many delete 1 2")));
        assertThrows(IllegalArgumentException.class, () -> TopicDefinitions.parse(List.of("a standard keep 1 2")));
        assertThrows(IllegalArgumentException.class, () -> TopicDefinitions.parse(List.of("a standard delete x 2")));
        assertEquals(1, TopicDefinitions.parse(List.of("# c", "", "a deliver compact - 5")).size());
    }
}
