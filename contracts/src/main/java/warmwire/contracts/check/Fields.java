package warmwire.contracts.check;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import warmwire.contracts.Topics;
import warmwire.contracts.text.BoundedText;

/**
 * NAME
 *   Fields - reads one JSON object of a record field by field, each against its rule.
 * DESCRIPTION
 *   A cursor over an object node and its path in the record ({@code results[0]}). Each reader
 *   returns the field's value or throws {@link Invalid} whose message is the reason:
 *   {@code <path>.<field>: <rule>}. Absent and JSON null are the same for an optional field
 *   (its default); a required one is "missing" or "null". Wrong JSON types are refused, never
 *   coerced. Times are ISO-8601 text or epoch seconds (both are what Jackson writes for an
 *   Instant) from {@link #EARLIEST} to a year after {@code now}.
 */
final class Fields {
    /** No record of Warmwire's carries a time before this. */
    static final Instant EARLIEST = Instant.parse("2000-01-01T00:00:00Z");
    /** How far ahead of now a time may be. */
    static final Duration AHEAD = Duration.ofDays(366);

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(RecordLimits.MAX_DEPTH)
                    .maxStringLength(Topics.MAX_RECORD_BYTES).maxNumberLength(64).build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** The reason a record is not valid; thrown by the readers, caught by the checks. */
    static final class Invalid extends RuntimeException {
        Invalid(String reason) {
            super(reason, null, false, false);
        }
    }

    private final JsonNode node;
    private final String path;
    private final Instant now;

    private Fields(JsonNode node, String path, Instant now) {
        this.node = node;
        this.path = path;
        this.now = now;
    }

    /** The top-level object of a record value; refuses what is not one JSON object. */
    static Fields parse(byte[] value, Instant now) {
        if (value == null) {
            throw new Invalid("value: null");
        }
        if (value.length > Topics.MAX_RECORD_BYTES) {
            throw new Invalid("value: " + value.length + " bytes, more than " + Topics.MAX_RECORD_BYTES);
        }
        JsonNode n;
        try {
            n = JSON.readTree(value);
        } catch (Exception e) {
            throw new Invalid("value: not JSON: " + BoundedText.truncate(String.valueOf(e.getMessage()).lines()
                    .findFirst().orElse(""), 200));
        }
        return root(n, now);
    }

    static Fields root(JsonNode n, Instant now) {
        if (n == null || n.isMissingNode() || n.isNull()) {
            throw new Invalid("value: empty");
        }
        if (!n.isObject()) {
            throw new Invalid("value: not a JSON object but " + n.getNodeType().name().toLowerCase());
        }
        return new Fields(n, "", now);
    }

    Instant now() {
        return now;
    }

    String name(String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    Invalid invalid(String field, String rule) {
        return new Invalid(name(field) + ": " + rule);
    }

    /** The field's node, or null when absent or JSON null and not required. */
    private JsonNode get(String field, boolean required) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw invalid(field, v == null ? "missing" : "null");
            }
            return null;
        }
        return v;
    }

    /** A text of at most {@code max} characters; longer is refused. */
    String text(String field, boolean required, int max) {
        JsonNode v = get(field, required);
        if (v == null) {
            return null;
        }
        if (!v.isTextual()) {
            throw invalid(field, "not a string but " + type(v));
        }
        String s = v.textValue();
        if (s.length() > max) {
            throw invalid(field, s.length() + " characters, more than " + max);
        }
        return s;
    }

    /** A required text that is not blank. */
    String nonBlank(String field, int max) {
        String s = text(field, true, max);
        if (s.isBlank()) {
            throw invalid(field, "blank");
        }
        return s;
    }

    /**
     * A text from a remote party or an operator: cut to {@code keep} characters with
     * {@link BoundedText#truncate}, refused above {@link RecordLimits#MAX_FIELD}.
     */
    String bounded(String field, boolean required, int keep) {
        return BoundedText.truncate(text(field, required, RecordLimits.MAX_FIELD), keep);
    }

    /** A whole number from {@code min} to {@code max}; {@code absent} when optional and not there. */
    int integer(String field, boolean required, int absent, int min, int max) {
        JsonNode v = get(field, required);
        if (v == null) {
            return absent;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw invalid(field, v.isNumber() ? "not a whole number in range: " + v.asText() : "not a number but " + type(v));
        }
        int i = v.intValue();
        if (i < min || i > max) {
            throw invalid(field, i + " out of range " + min + ".." + max);
        }
        return i;
    }

    /** A finite number from {@code min} to {@code max}, {@code absent} when not there. */
    double number(String field, double absent, double min, double max) {
        JsonNode v = get(field, false);
        if (v == null) {
            return absent;
        }
        if (!v.isNumber()) {
            throw invalid(field, "not a number but " + type(v));
        }
        double d = v.doubleValue();
        if (!Double.isFinite(d) || d < min || d > max) {
            throw invalid(field, v.asText() + " out of range " + min + ".." + max);
        }
        return d;
    }

    boolean bool(String field) {
        JsonNode v = get(field, false);
        if (v == null) {
            return false;
        }
        if (!v.isBoolean()) {
            throw invalid(field, "not a boolean but " + type(v));
        }
        return v.booleanValue();
    }

    /** A time from {@link #EARLIEST} to {@link #AHEAD} after now. */
    Instant instant(String field, boolean required) {
        JsonNode v = get(field, required);
        if (v == null) {
            return null;
        }
        Instant t;
        if (v.isTextual()) {
            if (v.textValue().length() > 64) {
                throw invalid(field, "not an ISO-8601 time (" + v.textValue().length() + " characters)");
            }
            try {
                t = IsoInstant.parse(v.textValue());
            } catch (DateTimeParseException e) {
                throw invalid(field, "not an ISO-8601 time: " + BoundedText.escape(v.textValue()));
            }
        } else if (v.isNumber()) {
            BigDecimal s = v.decimalValue();
            if (s.abs().compareTo(BigDecimal.valueOf(1L << 40)) > 0) {
                throw invalid(field, "time out of range: " + v.asText());
            }
            t = Instant.ofEpochSecond(s.longValue(), s.remainder(BigDecimal.ONE).movePointRight(9).abs().longValue());
        } else {
            throw invalid(field, "not a time but " + type(v));
        }
        if (t.isBefore(EARLIEST)) {
            throw invalid(field, t + " is before " + EARLIEST);
        }
        if (t.isAfter(now.plus(AHEAD))) {
            throw invalid(field, t + " is more than " + AHEAD.toDays() + " days ahead");
        }
        return t;
    }

    /** One of an enum's wire names, parsed by {@code parse} (which throws on unknown names). */
    <E> E enumValue(String field, boolean required, Function<String, E> parse) {
        String s = text(field, required, 64);
        if (s == null) {
            return null;
        }
        try {
            return parse.apply(s);
        } catch (RuntimeException e) {
            throw invalid(field, "unknown value '" + BoundedText.escape(s) + "'");
        }
    }

    /** A nested object, or null when optional and not there. */
    Fields object(String field, boolean required) {
        JsonNode v = get(field, required);
        if (v == null) {
            return null;
        }
        if (!v.isObject()) {
            throw invalid(field, "not an object but " + type(v));
        }
        return new Fields(v, name(field), now);
    }

    /** A list of {@code min} to {@code max} elements (null when optional and not there). */
    List<JsonNode> array(String field, boolean required, int min, int max) {
        JsonNode v = get(field, required);
        if (v == null) {
            return null;
        }
        if (!v.isArray()) {
            throw invalid(field, "not a list but " + type(v));
        }
        if (v.size() < min) {
            throw invalid(field, v.size() == 0 ? "empty" : v.size() + " elements, fewer than " + min);
        }
        if (v.size() > max) {
            throw invalid(field, v.size() + " elements, more than " + max);
        }
        List<JsonNode> out = new ArrayList<>(v.size());
        v.forEach(out::add);
        return out;
    }

    /** The objects of a list, each a Fields at {@code field[i]}. */
    List<Fields> objects(String field, boolean required, int min, int max) {
        List<JsonNode> a = array(field, required, min, max);
        if (a == null) {
            return null;
        }
        List<Fields> out = new ArrayList<>(a.size());
        for (int i = 0; i < a.size(); i++) {
            JsonNode e = a.get(i);
            String at = field + "[" + i + "]";
            if (e == null || e.isNull()) {
                throw invalid(at, "null");
            }
            if (!e.isObject()) {
                throw invalid(at, "not an object but " + type(e));
            }
            out.add(new Fields(e, name(at), now));
        }
        return out;
    }

    /** The texts of a list, each not blank and at most {@code maxLength} characters. */
    List<String> texts(String field, boolean required, int min, int max, int maxLength) {
        List<JsonNode> a = array(field, required, min, max);
        if (a == null) {
            return null;
        }
        List<String> out = new ArrayList<>(a.size());
        for (int i = 0; i < a.size(); i++) {
            JsonNode e = a.get(i);
            String at = field + "[" + i + "]";
            if (e == null || e.isNull()) {
                throw invalid(at, "null");
            }
            if (!e.isTextual()) {
                throw invalid(at, "not a string but " + type(e));
            }
            String s = e.textValue();
            if (s.isBlank()) {
                throw invalid(at, "blank");
            }
            if (s.length() > maxLength) {
                throw invalid(at, s.length() + " characters, more than " + maxLength);
            }
            out.add(s);
        }
        return out;
    }

    private static String type(JsonNode v) {
        return v.getNodeType().name().toLowerCase();
    }
}
