package warmwire.contracts.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * NAME
 *   RecordMutator - a small fuzzer of JSON records: valid records, mutated.
 * DESCRIPTION
 *   With a fixed seed, {@link #mutate} picks one node of a valid record and breaks it in one of
 *   the ways {@link Kind} lists (drop, null, wrong type, null list element, huge string, huge
 *   list, far future or far past date, garbage bytes, cut JSON). The record checks' tests feed
 *   its output to every check; integration-tests' PoisonRecordsIT writes it to the mesh's topics.
 */
public final class RecordMutator {
    public enum Kind { DROP, NULL, WRONG_TYPE, NULL_ELEMENT, HUGE_STRING, HUGE_LIST, FUTURE_DATE, PAST_DATE, GARBAGE, CUT }

    /** One mutant: what was done where, and the bytes. */
    public record Mutant(Kind kind, String where, byte[] value) {
        public String text() {
            return new String(value, StandardCharsets.UTF_8);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Random random;

    public RecordMutator(long seed) {
        this.random = new Random(seed);
    }

    /** One mutant of {@code validJson}, of a random kind. */
    public Mutant mutate(String validJson) {
        return mutate(validJson, Kind.values()[random.nextInt(Kind.values().length)]);
    }

    /** One mutant of {@code validJson} of the given kind. */
    public Mutant mutate(String validJson, Kind kind) {
        try {
            if (kind == Kind.GARBAGE) {
                byte[] b = new byte[1 + random.nextInt(64)];
                random.nextBytes(b);
                return new Mutant(kind, "value", b);
            }
            if (kind == Kind.CUT) {
                int at = random.nextInt(Math.max(1, validJson.length() - 1));
                return new Mutant(kind, "value[0.." + at + "]", validJson.substring(0, at).getBytes(StandardCharsets.UTF_8));
            }
            JsonNode root = JSON.readTree(validJson);
            List<Slot> slots = new ArrayList<>();
            collect(root, "", slots);
            Slot s = slots.get(random.nextInt(slots.size()));
            JsonNode replacement = switch (kind) {
                case DROP, NULL -> null;
                case WRONG_TYPE -> wrongType(s.node());
                case NULL_ELEMENT -> {
                    if (s.node().isArray()) {
                        ArrayNode a = ((ArrayNode) s.node()).deepCopy();
                        a.insertNull(random.nextInt(a.size() + 1));
                        yield a;
                    }
                    yield JSON.createArrayNode().addNull();
                }
                case HUGE_STRING -> JSON.getNodeFactory().textNode("x".repeat(70 * 1024 + random.nextInt(1024)));
                case HUGE_LIST -> {
                    ArrayNode a = JSON.createArrayNode();
                    JsonNode e = s.node().isArray() && !s.node().isEmpty() ? s.node().get(0) : s.node();
                    for (int i = 0; i < 1100; i++) {
                        a.add(e.deepCopy());
                    }
                    yield a;
                }
                case FUTURE_DATE -> JSON.getNodeFactory().textNode("9999-12-31T23:59:59Z");
                case PAST_DATE -> JSON.getNodeFactory().textNode("1970-01-01T00:00:00Z");
                default -> throw new IllegalArgumentException(kind.name());
            };
            if (kind == Kind.DROP) {
                s.remove();
            } else {
                s.set(replacement == null ? JSON.getNodeFactory().nullNode() : replacement);
            }
            return new Mutant(kind, s.path(), JSON.writeValueAsBytes(root));
        } catch (Exception e) {
            throw new IllegalStateException("cannot mutate " + validJson, e);
        }
    }

    private JsonNode wrongType(JsonNode n) {
        if (n.isTextual()) {
            return random.nextBoolean() ? JSON.getNodeFactory().numberNode(random.nextInt())
                    : JSON.createObjectNode().put("x", 1);
        }
        if (n.isNumber()) {
            return random.nextBoolean() ? JSON.getNodeFactory().textNode("1") : JSON.getNodeFactory().booleanNode(true);
        }
        if (n.isBoolean()) {
            return JSON.getNodeFactory().textNode("true");
        }
        if (n.isArray()) {
            return JSON.getNodeFactory().textNode("[]");
        }
        return random.nextBoolean() ? JSON.getNodeFactory().numberNode(7) : JSON.createArrayNode().add(1);
    }

    /** A place in the tree: a field of an object or an element of a list. */
    private record Slot(ContainerNode<?> parent, String field, int index, JsonNode node, String path) {
        void remove() {
            if (parent instanceof ObjectNode o) {
                o.remove(field);
            } else {
                ((ArrayNode) parent).remove(index);
            }
        }

        void set(JsonNode v) {
            if (parent instanceof ObjectNode o) {
                o.set(field, v);
            } else {
                ((ArrayNode) parent).set(index, v);
            }
        }
    }

    private static void collect(JsonNode n, String path, List<Slot> out) {
        if (n instanceof ObjectNode o) {
            Iterator<Map.Entry<String, JsonNode>> it = o.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                String p = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
                out.add(new Slot(o, e.getKey(), -1, e.getValue(), p));
                collect(e.getValue(), p, out);
            }
        } else if (n instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                String p = path + "[" + i + "]";
                out.add(new Slot(a, null, i, a.get(i), p));
                collect(a.get(i), p, out);
            }
        }
    }
}
