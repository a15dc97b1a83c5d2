package warmwire.contracts;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * NAME
 *   TopicDefinitions - the topics and their settings, read from the one list, topics.tsv.
 * DESCRIPTION
 *   {@code warmwire/contracts/topics.tsv} (a resource of this jar) names every topic with its
 *   partition class, cleanup policy, retention and largest record. deploy/local/kafka.sh
 *   creates the local broker's topics from the same file, and the integration tests check the
 *   Kubernetes KafkaTopic resources against {@link #load()}, so local, Kubernetes and code
 *   cannot drift apart.
 */
public final class TopicDefinitions {
    /** The resource holding the list. */
    public static final String RESOURCE = "/warmwire/contracts/topics.tsv";
    /** Partitions of a "standard" topic, and of "deliver" (the shards), unless a deployment says otherwise. */
    public static final int STANDARD_PARTITIONS = 6;
    public static final int DELIVER_PARTITIONS = 12;

    /**
     * One topic. {@code partitionClass} is "standard" or "deliver"; an empty retention or record
     * size means the broker's default.
     */
    public record Topic(String name, String partitionClass, int partitions, String cleanupPolicy,
            OptionalLong retentionMs, OptionalLong maxMessageBytes) {
    }

    private TopicDefinitions() {
    }

    /** Every topic of the list, in its order. */
    public static List<Topic> load() {
        try (InputStream in = TopicDefinitions.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " missing from the class path");
            }
            return parse(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines().toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses the lines of a topics.tsv; throws on a malformed line. */
    public static List<Topic> parse(List<String> lines) {
        List<Topic> topics = new ArrayList<>();
        int n = 0;
        for (String line : lines) {
            n++;
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            String[] f = t.split("\\s+");
            if (f.length != 5) {
                throw new IllegalArgumentException("topics.tsv:" + n + ": 5 columns expected: " + line);
            }
            int partitions = switch (f[1]) {
                case "standard" -> STANDARD_PARTITIONS;
                case "deliver" -> DELIVER_PARTITIONS;
                default -> throw new IllegalArgumentException("topics.tsv:" + n + ": partitions 'standard' or 'deliver', not " + f[1]);
            };
            if (!f[2].equals("delete") && !f[2].equals("compact")) {
                throw new IllegalArgumentException("topics.tsv:" + n + ": cleanup.policy delete or compact, not " + f[2]);
            }
            topics.add(new Topic(f[0], f[1], partitions, f[2], number(f[3], n), number(f[4], n)));
        }
        return List.copyOf(topics);
    }

    private static OptionalLong number(String s, int line) {
        if (s.equals("-")) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(s));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("topics.tsv:" + line + ": a number or '-', not " + s);
        }
    }
}
