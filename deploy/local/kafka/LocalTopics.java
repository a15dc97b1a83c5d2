import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * NAME
 *   LocalTopics - readiness check and topic set-up for the local Kafka broker
 * DESCRIPTION
 *   Run by deploy/local/kafka.sh with the broker's jars on the class path, in
 *   one JVM so that start-up stays fast:
 *
 *     LocalTopics ready    --bootstrap H:P [--wait-ms N] [--pid P]
 *     LocalTopics ensure   --bootstrap H:P [--wait-ms N] [--pid P]
 *                          [--config k=v]... topic:partitions...
 *     LocalTopics describe --bootstrap H:P topic...
 *
 *   ready waits until an admin "list topics" succeeds (short request
 *   timeouts, retried until --wait-ms; gives up early when process --pid
 *   exits). ensure waits the same way, creates the missing topics with the
 *   configs (replication factor 1), sets the configs on existing topics
 *   whose values differ, adds partitions to topics that have fewer than
 *   asked (never removes any: Kafka cannot), then describes them.
 *   Topics named in OWN_CONFIGS get those configs on top of --config:
 *   mail.internal.dlq keeps its dead letters 30 days (an operator reads them
 *   after the fact).
 *   Exit status: 0 done, 1 error, 2 broker not ready in time or gone.
 */
public final class LocalTopics {

    /** Configs of a topic of its own, added to the command's --config for that topic. */
    static final Map<String, Map<String, String>> OWN_CONFIGS = Map.of(
            "mail.internal.dlq", Map.of("retention.ms", String.valueOf(30L * 24 * 3600 * 1000)));

    private LocalTopics() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage();
        }
        String command = args[0];
        String bootstrap = null;
        long waitMs = 30_000;
        long pid = -1;
        Map<String, String> configs = new LinkedHashMap<>();
        Map<String, Integer> topics = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--bootstrap" -> bootstrap = args[++i];
                case "--wait-ms" -> waitMs = Long.parseLong(args[++i]);
                case "--pid" -> pid = Long.parseLong(args[++i]);
                case "--config" -> {
                    String[] kv = args[++i].split("=", 2);
                    configs.put(kv[0], kv[1]);
                }
                default -> {
                    String[] tp = args[i].split(":", 2);
                    topics.put(tp[0], tp.length == 2 ? Integer.parseInt(tp[1]) : 1);
                }
            }
        }
        if (bootstrap == null) {
            usage();
        }
        try (Admin admin = Admin.create(adminProperties(bootstrap))) {
            switch (command) {
                case "ready" -> System.exit(waitReady(admin, waitMs, pid) ? 0 : 2);
                case "ensure" -> {
                    if (!waitReady(admin, waitMs, pid)) {
                        System.exit(2);
                    }
                    ensure(admin, topics, configs);
                    describe(admin, topics.keySet());
                }
                case "describe" -> describe(admin, topics.keySet());
                default -> usage();
            }
        } catch (ExecutionException e) {
            System.err.println("LocalTopics: " + e.getCause());
            System.exit(1);
        }
    }

    private static void usage() {
        System.err.println("usage: LocalTopics ready|ensure|describe --bootstrap host:port"
                + " [--wait-ms N] [--pid P] [--config k=v]... [topic[:partitions]]...");
        System.exit(1);
    }

    private static Properties adminProperties(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "warmwire-local-topics");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
        p.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, "200");
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
        return p;
    }

    /** Retries "list topics" until it succeeds, the deadline passes or the broker process exits. */
    private static boolean waitReady(Admin admin, long waitMs, long pid) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
        Throwable last = null;
        while (System.nanoTime() < deadline) {
            if (pid > 0 && ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true)) {
                System.err.println("LocalTopics: broker process " + pid + " exited");
                return false;
            }
            try {
                admin.listTopics().names().get(5, TimeUnit.SECONDS);
                return true;
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                last = e instanceof ExecutionException ? e.getCause() : e;
                Thread.sleep(300);
            }
        }
        System.err.println("LocalTopics: broker not ready after " + waitMs + " ms: " + last);
        return false;
    }

    private static void ensure(Admin admin, Map<String, Integer> topics, Map<String, String> configs)
            throws Exception {
        Set<String> existing = admin.listTopics().names().get();
        List<NewTopic> missing = new ArrayList<>();
        for (Map.Entry<String, Integer> t : topics.entrySet()) {
            if (!existing.contains(t.getKey())) {
                missing.add(new NewTopic(t.getKey(), t.getValue(), (short) 1).configs(configsOf(t.getKey(), configs)));
            }
        }
        if (!missing.isEmpty()) {
            for (Map.Entry<String, ? extends org.apache.kafka.common.KafkaFuture<Void>> f
                    : admin.createTopics(missing).values().entrySet()) {
                try {
                    f.getValue().get();
                    System.err.println("LocalTopics: created " + f.getKey());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
        }
        List<String> present = topics.keySet().stream()
                .filter(existing::contains).toList();
        if (present.isEmpty()) {
            return;
        }
        Map<String, TopicDescription> descriptions = admin.describeTopics(present).allTopicNames().get();
        Map<String, NewPartitions> grow = new HashMap<>();
        for (String topic : present) {
            int have = descriptions.get(topic).partitions().size();
            int want = topics.get(topic);
            if (have < want) {
                grow.put(topic, NewPartitions.increaseTo(want));
                System.err.println("LocalTopics: " + topic + ": partitions " + have + " -> " + want);
            } else if (have > want) {
                System.err.println("LocalTopics: " + topic + " has " + have + " partitions, more than the "
                        + want + " asked; Kafka cannot remove partitions (delete the topic to shrink it)");
            }
        }
        if (!grow.isEmpty()) {
            admin.createPartitions(grow).all().get();
        }
        Map<ConfigResource, Config> current = admin.describeConfigs(resources(present)).all().get();
        Map<ConfigResource, Collection<AlterConfigOp>> changes = new HashMap<>();
        for (Map.Entry<ConfigResource, Config> c : current.entrySet()) {
            List<AlterConfigOp> ops = new ArrayList<>();
            for (Map.Entry<String, String> want : configsOf(c.getKey().name(), configs).entrySet()) {
                ConfigEntry have = c.getValue().get(want.getKey());
                if (have == null || !want.getValue().equals(have.value())) {
                    ops.add(new AlterConfigOp(new ConfigEntry(want.getKey(), want.getValue()),
                            AlterConfigOp.OpType.SET));
                    System.err.println("LocalTopics: " + c.getKey().name() + ": " + want.getKey() + " "
                            + (have == null ? null : have.value()) + " -> " + want.getValue());
                }
            }
            if (!ops.isEmpty()) {
                changes.put(c.getKey(), ops);
            }
        }
        if (!changes.isEmpty()) {
            admin.incrementalAlterConfigs(changes).all().get();
        }
    }

    /** The command's configs plus the topic's own ({@link #OWN_CONFIGS}). */
    private static Map<String, String> configsOf(String topic, Map<String, String> configs) {
        Map<String, String> all = new LinkedHashMap<>(configs);
        all.putAll(OWN_CONFIGS.getOrDefault(topic, Map.of()));
        return all;
    }

    private static List<ConfigResource> resources(Collection<String> topics) {
        return topics.stream().map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
    }

    private static void describe(Admin admin, Collection<String> topics) throws Exception {
        Set<String> existing = admin.listTopics().names().get();
        List<String> names = topics.isEmpty()
                ? existing.stream().sorted().toList()
                : new ArrayList<>(topics);
        List<String> present = names.stream().filter(existing::contains).toList();
        Map<String, TopicDescription> d = present.isEmpty()
                ? Map.of() : admin.describeTopics(present).allTopicNames().get();
        Map<ConfigResource, Config> c = present.isEmpty()
                ? Map.of() : admin.describeConfigs(resources(present)).all().get();
        System.out.printf("%-24s %10s %18s%n", "TOPIC", "PARTITIONS", "MAX.MESSAGE.BYTES");
        for (String topic : names) {
            if (!existing.contains(topic)) {
                System.out.printf("%-24s %10s %18s%n", topic, "missing", "-");
                continue;
            }
            ConfigEntry max = c.get(new ConfigResource(ConfigResource.Type.TOPIC, topic)).get("max.message.bytes");
            System.out.printf("%-24s %10d %18s%n", topic, d.get(topic).partitions().size(),
                    max == null ? "?" : max.value());
        }
    }
}
