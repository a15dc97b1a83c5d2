package warmwire.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * NAME
 *   TopicNamesTest - every topic a service's configuration names is one of topics.tsv.
 * DESCRIPTION
 *   Topic names live once, in contracts (topics.tsv, read by {@link TopicDefinitions}, and
 *   {@link Topics}); code uses the constants. A service's application.properties may still name
 *   a topic for a SmallRye channel ({@code mp.messaging.*.topic}) or a configurable key (a key
 *   ending in {@code topic}): each such value, in every module of the parent pom, must be a
 *   topic of the list, so a renamed topic cannot leave a channel writing to a topic nobody reads.
 */
class TopicNamesTest {
    private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");

    @Test
    void everyConfiguredTopicIsOneOfTheList() throws IOException {
        Set<String> known = TopicDefinitions.load().stream().map(TopicDefinitions.Topic::name).collect(Collectors.toSet());
        assertTrue(known.contains(Topics.OUTCOME) && known.contains(Topics.EVENTS), "topics.tsv read: " + known);
        Path root = Path.of("..").toAbsolutePath().normalize();
        Matcher m = MODULE.matcher(Files.readString(root.resolve("pom.xml")));
        List<String> unknown = new ArrayList<>();
        int named = 0;
        while (m.find()) {
            Path props = root.resolve(m.group(1).trim()).resolve("src/main/resources/application.properties");
            if (!Files.isRegularFile(props)) {
                continue;
            }
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(props)) {
                p.load(r);
            }
            for (String key : p.stringPropertyNames()) {
                String bare = key.replaceFirst("^%[^.]+\\.", ""); // a profile's key names a topic too
                if (bare.endsWith(".topic") || bare.endsWith("-topic")) {
                    named++;
                    String value = p.getProperty(key).trim();
                    if (!known.contains(value)) {
                        unknown.add(props + ": " + key + "=" + value);
                    }
                }
            }
        }
        assertFalse(named == 0, "no configured topic found: the scan is broken");
        assertEquals(List.of(), unknown, "topics named in configuration but not in topics.tsv");
    }
}
