package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import warmwire.contracts.text.BoundedText;

/**
 * Issue 11, "Bounded replies", over the real mesh: a receiver that answers each of 300 RCPTs
 * with a 60 KB reply (within the client's limits) and one with a reply line of 1 MiB (past
 * them). Before the limits, the 300 replies, kept twice per recipient, made an outcome of
 * about 35 MB: past the producer's 16 MiB, the record was nacked and the mail.deliver channel
 * stopped. Now the 300 recipients are bounced with their reply cut to 1 KiB, the over-long
 * line is a protocol error (deferred), and mail to tls.test beside it is delivered on time.
 */
class HugeReplyIT {
    private final Mesh mesh = Mesh.get();

    @Test
    void hugeRepliesAreCutAndOverLongLinesRefused() throws Exception {
        long pid = Hostile.sessionPid(mesh);
        String domain = Mesh.hostileDomain(HostileReceiver.Mode.HUGE);
        try (HostileReceiver r = new HostileReceiver(HostileReceiver.Mode.HUGE,
                Mesh.HOSTILE_PORT + HostileReceiver.Mode.HUGE.ordinal())) {
            List<String> rcpts = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                rcpts.add("user" + i + "@" + domain);
            }
            Mail many = new Mail("sender@warmwire.test", rcpts.toArray(String[]::new));
            Mail line = new Mail("sender@warmwire.test", "line@" + domain);
            mesh.submit(many.id, many.json());
            mesh.submit(line.id, line.json());
            Hostile.healthyBeside(mesh, pid, "HugeReplyIT");

            List<JsonNode> bounced = Hostile.firstEvents(mesh, many, Duration.ofSeconds(60));
            for (JsonNode e : bounced) {
                Hostile.assertReason(e, "bounced", "550");
                String text = e.path("smtp").path("text").asText();
                assertTrue(text.length() <= BoundedText.MAX_REPLY_TEXT && BoundedText.truncated(text),
                        "reply text cut to 1 KiB and marked: " + text.length());
                assertTrue(e.path("reason").asText().length() <= BoundedText.MAX_REASON);
            }
            JsonNode refused = Hostile.firstEvents(mesh, line, Duration.ofSeconds(60)).get(0);
            Hostile.assertReason(refused, "deferred", "reply line longer than 2048 bytes");
        }
    }
}
