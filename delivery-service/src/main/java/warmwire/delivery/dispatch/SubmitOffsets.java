package warmwire.delivery.dispatch;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.jboss.logging.Logger;
import warmwire.contracts.Topics;

/**
 * NAME
 *   SubmitOffsets - hands mail.submit's committed offsets from queue-service's former intake
 *   group to the dispatch loop's group, once, before the loop first reads mail.submit.
 * DESCRIPTION
 *   Until intake moved into delivery-service's dispatch loop, group {@value #FORMER_GROUP}
 *   (queue-service) read mail.submit. The dispatch loop's group has no offsets there the first
 *   time it reads it, and its consumer would start from the earliest record
 *   (auto.offset.reset=earliest): every submission still in the topic would be delivered again.
 *   So before the loop starts ({@link #handOver}):
 *     1. the group has a committed offset on mail.submit: nothing to do (handed over before, or
 *        a deployment that never had the former group);
 *     2. the former group has none either: a new deployment, nothing to do;
 *     3. otherwise, once neither group has members, the former group's mail.submit offsets are
 *        copied to the group as they are, commit points' metadata included (records finished
 *        above the lowest unfinished one are not redone).
 *   While either group has members the copy waits, and says why in the log every retry: a
 *   queue-service of the former version still reading mail.submit would go on past the copy
 *   (submissions twice), and the broker refuses offsets for a group with members (the former
 *   delivery-service instances, still routing mail.route during a rolling upgrade). The loop
 *   starts only after the handover, so mail.submit is never read from the wrong place; mail.route
 *   keeps its offsets, as the group is the same.
 */
final class SubmitOffsets {
    private static final Logger LOG = Logger.getLogger(SubmitOffsets.class);
    /** queue-service's intake group before the hops merged. */
    static final String FORMER_GROUP = "warmwire-queue-intake";
    private static final long TIMEOUT_S = 30;

    private SubmitOffsets() {
    }

    /**
     * Copies the former group's mail.submit offsets to {@code group} when it has none (above);
     * retries every {@code retry} until done or {@code stopping}. True when the loop may start.
     */
    static boolean handOver(Admin admin, String group, Duration retry, BooleanSupplier stopping) throws InterruptedException {
        while (!stopping.getAsBoolean()) {
            String waitReason;
            try {
                waitReason = tryOnce(admin, group);
                if (waitReason == null) {
                    return true;
                }
            } catch (ExecutionException | java.util.concurrent.TimeoutException | RuntimeException e) {
                Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                waitReason = "the broker did not answer: " + cause;
            }
            LOG.warnf("dispatch loop not started: mail.submit's offsets wait to be handed over from group %s to %s: %s;"
                    + " again in %ds", FORMER_GROUP, group, waitReason, retry.toSeconds());
            Thread.sleep(retry.toMillis());
        }
        return false;
    }

    /** One attempt: null when the loop may start, else why it must wait. */
    static String tryOnce(Admin admin, String group) throws ExecutionException, InterruptedException,
            java.util.concurrent.TimeoutException {
        Map<TopicPartition, OffsetAndMetadata> mine = submitOffsets(admin, group);
        if (!mine.isEmpty()) {
            return null;
        }
        Map<TopicPartition, OffsetAndMetadata> former = submitOffsets(admin, FORMER_GROUP);
        if (former.isEmpty()) {
            return null;
        }
        for (String g : List.of(FORMER_GROUP, group)) {
            int members = members(admin, g);
            if (members > 0) {
                return "group " + g + " has " + members + " member(s) (" + (g.equals(FORMER_GROUP)
                        ? "a queue-service that still reads mail.submit" : "delivery-service instances of the former version")
                        + ")";
            }
        }
        admin.alterConsumerGroupOffsets(group, former).all().get(TIMEOUT_S, TimeUnit.SECONDS);
        LOG.infof("mail.submit's offsets handed over from group %s to %s: %s", FORMER_GROUP, group, former.entrySet().stream()
                .map(e -> e.getKey().partition() + "@" + e.getValue().offset()).sorted().collect(Collectors.joining(", ")));
        return null;
    }

    /** The members of {@code group} now; 0 for a group the broker does not know (Kafka 4 says so with an error). */
    private static int members(Admin admin, String group) throws ExecutionException, InterruptedException,
            java.util.concurrent.TimeoutException {
        try {
            ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group)
                    .get(TIMEOUT_S, TimeUnit.SECONDS);
            return d.members().size();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return 0;
            }
            throw e;
        }
    }

    private static Map<TopicPartition, OffsetAndMetadata> submitOffsets(Admin admin, String group)
            throws ExecutionException, InterruptedException, java.util.concurrent.TimeoutException {
        Map<TopicPartition, OffsetAndMetadata> all = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                .get(TIMEOUT_S, TimeUnit.SECONDS);
        return all.entrySet().stream().filter(e -> e.getKey().topic().equals(Topics.SUBMIT) && e.getValue() != null)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }
}
