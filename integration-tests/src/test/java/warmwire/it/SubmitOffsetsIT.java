package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import warmwire.testing.Poll;

/**
 * Upgrading from separate intake and routing hops (delivery-service README, "Upgrading"):
 * queue-service's former intake group ({@value #FORMER}) has offsets on mail.submit and the
 * dispatch loop's group ({@value #GROUP}) none there. delivery-service does not read mail.submit
 * while the former group has a member (a queue-service of the former version still reading);
 * once it has none, it takes the offsets over as they are and reads from there: a submission
 * before the handover point is not read again, one after it is delivered.
 */
class SubmitOffsetsIT {
    static final String FORMER = "warmwire-queue-intake";
    static final String GROUP = "warmwire-delivery";
    private final Mesh mesh = Mesh.get();

    @Test
    void deliveryServiceTakesTheFormerIntakeGroupsOffsetsOverOnceItHasNoMembers() throws Exception {
        Mail before = new Mail("sender@warmwire.test", "before-handover@tls.test");
        mesh.submit(before.id, before.json());
        mesh.events.awaitEvents(before.id, 1, Duration.ofSeconds(60));
        mesh.kill9(Mesh.Part.DELIVERY);
        Path log = mesh.state.resolve("services/delivery-service.log");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, mesh.bootstrap))) {
            // the killed member leaves the group at its session timeout; then the state a former version leaves:
            // its intake group's offsets at the end of mail.submit, the dispatch group's none there
            Poll.until(Duration.ofSeconds(60), Duration.ofMillis(500), () -> members(admin, GROUP), n -> n == 0,
                    n -> GROUP + " members after kill -9: " + n);
            Set<TopicPartition> partitions = admin.describeTopics(List.of("mail.submit")).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get("mail.submit").partitions().stream().map(p -> new TopicPartition("mail.submit", p.partition()))
                    .collect(Collectors.toSet());
            Map<TopicPartition, OffsetAndMetadata> end = new HashMap<>();
            try (KafkaConsumer<String, String> c = consumer(null)) {
                c.endOffsets(partitions, Duration.ofSeconds(30)).forEach((tp, o) -> end.put(tp, new OffsetAndMetadata(o)));
            }
            admin.alterConsumerGroupOffsets(FORMER, end).all().get(30, TimeUnit.SECONDS);
            admin.deleteConsumerGroupOffsets(GROUP, partitions).all().get(30, TimeUnit.SECONDS);
            Mail after = new Mail("sender@warmwire.test", "after-handover@tls.test");
            mesh.submit(after.id, after.json());

            try (KafkaConsumer<String, String> former = consumer(FORMER)) {
                // a queue-service of the former version, still reading mail.submit: a member of its group
                former.subscribe(List.of("mail.submit"));
                Poll.until(Duration.ofSeconds(60), Duration.ofMillis(100), () -> {
                    former.poll(Duration.ofMillis(200));
                    return former.assignment().size();
                }, n -> n > 0, n -> "the former group's member has partitions: " + n);
                mesh.restart(Mesh.Part.DELIVERY); // mesh.sh rotates the log at a start: the file is the new process's
                String waiting = Poll.until(Duration.ofSeconds(30), Duration.ofMillis(500), () -> Files.exists(log) ? Files.readString(log) : "",
                        l -> l.contains("wait to be handed over from group " + FORMER), l -> "the dispatch loop says it waits");
                assertTrue(waiting.contains("group " + FORMER + " has 1 member(s)"), waiting);
                Thread.sleep(3000);
                assertEquals(List.of(), mesh.events.seen(after.id), "mail.submit is not read while the former group has a member");
                former.poll(Duration.ofMillis(10));
            }
            // the member left (close): the loop takes the offsets over at its next try and reads from there
            JsonNode e = mesh.events.awaitEvents(after.id, 1, Duration.ofSeconds(60)).get(0);
            assertEquals("delivered", e.path("status").asText(), e.toString());
            String handed = Files.readString(log);
            assertTrue(handed.contains("mail.submit's offsets handed over from group " + FORMER + " to " + GROUP), handed);
            Map<TopicPartition, OffsetAndMetadata> taken = admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS);
            for (TopicPartition tp : partitions) {
                assertTrue(taken.get(tp) != null && taken.get(tp).offset() >= end.get(tp).offset(),
                        tp + ": from the handover point on, not the earliest record: " + taken.get(tp) + " vs " + end.get(tp));
            }
            // read again, the earlier submission would be refused as a duplicate of its own id (a dead letter, no event)
            Thread.sleep(2000);
            assertEquals(1, mesh.events.seen(before.id).size(), "a submission before the handover point is not read again");
            assertEquals(List.of(), mesh.events.deadLetters().stream().filter(d -> before.id.equals(d.key())).toList(),
                    "no dead letter of the earlier submission: it was not read again");
        }
    }

    private static int members(Admin admin, String group) throws Exception {
        return admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get(30, TimeUnit.SECONDS).members().size();
    }

    private KafkaConsumer<String, String> consumer(String group) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, mesh.bootstrap);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        if (group != null) {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        }
        return new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
    }
}
