package warmwire.delivery.intake;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import warmwire.contracts.mail.Dsn;
import warmwire.contracts.mail.QueuedMessage;
import warmwire.contracts.mail.Submission;
import warmwire.contracts.mail.TlsLevel;

/**
 * NAME
 *   SubmissionValidator - the intake rules for one record of mail.submit.
 * DESCRIPTION
 *   A record is accepted when it is UTF-8 text (RFC 8259 8.1), a JSON object of the published schema
 *   (contracts/.../submission.schema.json) with no unknown fields, a sender that is an RFC 5321
 *   Mailbox or "" (null sender), one or more recipient Mailboxes, exactly one of
 *   content/contentBase64 (strict base64), a body no larger than the configured limit, a known
 *   TLS level and a well-formed DSN request. Duplicate recipients are folded (domain compared
 *   case-insensitively, local part exactly, as RFC 5321 2.4 asks). The effective TLS level is
 *   the requested one raised to the configured floor, never lowered.
 *   The body always leaves intake base64-encoded; line ends are normalised on the wire by the
 *   SMTP engine, not here.
 * DIAGNOSTICS
 *   Everything else yields a {@link Verdict.Rejected} whose reason names the field and the rule.
 */
public final class SubmissionValidator {
    private static final Set<String> NOTIFY = Set.of("NEVER", "SUCCESS", "FAILURE", "DELAY");

    private final ObjectReader reader;
    private final int maxMessageSize;
    private final int maxRecipients;
    private final TlsLevel floor;

    public SubmissionValidator(ObjectMapper mapper, int maxMessageSize, int maxRecipients, TlsLevel floor) {
        this.reader = mapper.readerFor(Submission.class)
                .with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .with(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .without(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY);
        this.maxMessageSize = maxMessageSize;
        this.maxRecipients = maxRecipients;
        this.floor = floor;
    }

    /** Judges one record given as text (tests, tools): its UTF-8 bytes are judged. */
    public Verdict judge(String value, String assignedId, Instant now) {
        return judge(value == null ? null : value.getBytes(StandardCharsets.UTF_8), assignedId, now);
    }

    /**
     * Judges one record as it came: its bytes, which must be UTF-8 (RFC 8259 section 8.1). A
     * value that is not (a stray Latin-1 byte, a cut or overlong sequence, an encoded
     * surrogate) is rejected, naming the first bad byte, rather than read with replacement
     * characters: what is accepted is exactly what the client sent.
     *
     * @param value      the record value, null for a tombstone
     * @param assignedId the id to use when the client gave none (stable across redelivery)
     * @param now        the acceptance time
     */
    public Verdict judge(byte[] value, String assignedId, Instant now) {
        if (value == null || blank(value)) {
            return new Verdict.Rejected(assignedId, List.of(), "empty record: a JSON object is required");
        }
        int bad = malformedUtf8At(value);
        if (bad >= 0) {
            return new Verdict.Rejected(assignedId, List.of(), "record is not UTF-8 text: malformed byte sequence at offset "
                    + bad + " (RFC 8259 section 8.1)");
        }
        Submission s;
        try {
            s = reader.readValue(value);
        } catch (UnrecognizedPropertyException e) {
            return rejectedFromTree(value, assignedId, "unknown field '" + e.getPropertyName() + "'");
        } catch (JsonProcessingException e) {
            return rejectedFromTree(value, assignedId, "malformed JSON: " + firstLine(e.getOriginalMessage()));
        } catch (IOException e) { // reading a byte array does no I/O: only parse errors, above
            return rejectedFromTree(value, assignedId, "unreadable submission: " + firstLine(e.getMessage()));
        } catch (RuntimeException e) {
            return rejectedFromTree(value, assignedId, "malformed submission: " + e.getMessage());
        }
        if (s == null) {
            return new Verdict.Rejected(assignedId, List.of(), "record is JSON null, not an object");
        }
        String id = s.id() != null ? s.id() : assignedId;
        List<String> readable = s.to() == null ? List.of() : s.to().stream().filter(t -> t != null).toList();
        String reason = problem(s);
        if (reason != null) {
            return new Verdict.Rejected(id, readable, reason);
        }
        byte[] body = s.content() != null ? s.content().getBytes(StandardCharsets.UTF_8) : decode(s.contentBase64());
        if (body.length > maxMessageSize) {
            return new Verdict.Rejected(id, readable,
                    "message size " + body.length + " exceeds the limit of " + maxMessageSize + " bytes");
        }
        TlsLevel tls = s.tls() == null ? floor : TlsLevel.parse(s.tls()).atLeast(floor);
        return new Verdict.Accepted(new QueuedMessage(id, s.from(), fold(s.to()),
                body, tls, s.tenant(), s.campaign(), s.dsn(), 1, now, null, false, Boolean.TRUE.equals(s.requireTls())));
    }

    /**
     * Whether every character of {@code s} is printable ASCII without space (0x21-0x7e): the id
     * and the DSN envid. A scan, not {@code String.matches}, which compiles a regex for every
     * submission.
     */
    private static boolean visibleAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    private String problem(Submission s) {
        if (s.id() != null && (s.id().isEmpty() || s.id().length() > 255 || !visibleAscii(s.id()))) {
            return "id must be 1 to 255 printable ASCII characters without spaces";
        }
        if (s.from() == null) {
            return "missing 'from' (use \"\" for the null sender)";
        }
        if (!s.from().isEmpty()) {
            String p = MailboxSyntax.problem(s.from());
            if (p != null) {
                return "invalid sender <" + s.from() + ">: " + p;
            }
        }
        if (s.to() == null || s.to().isEmpty()) {
            return "no recipients: 'to' needs at least one address";
        }
        if (s.to().size() > maxRecipients) {
            return "too many recipients: " + s.to().size() + " > " + maxRecipients;
        }
        for (String rcpt : s.to()) {
            String p = rcpt == null ? "null address" : MailboxSyntax.problem(rcpt);
            if (p != null) {
                return "invalid recipient <" + rcpt + ">: " + p;
            }
        }
        if ((s.content() == null) == (s.contentBase64() == null)) {
            return "exactly one of 'content' and 'contentBase64' is required";
        }
        if (s.contentBase64() != null && decode(s.contentBase64()) == null) {
            return "contentBase64 is not valid base64";
        }
        if (s.tls() != null) {
            try {
                TlsLevel.parse(s.tls());
            } catch (IllegalArgumentException e) {
                return e.getMessage();
            }
        }
        return dsnProblem(s.dsn());
    }

    private static String dsnProblem(Dsn dsn) {
        if (dsn == null) {
            return null;
        }
        if (dsn.notifyOn() != null) {
            Set<String> seen = new LinkedHashSet<>();
            for (String n : dsn.notifyOn()) {
                if (n == null || !NOTIFY.contains(n.toUpperCase(Locale.ROOT))) {
                    return "dsn.notify: unknown value '" + n + "' (NEVER, SUCCESS, FAILURE, DELAY)";
                }
                seen.add(n.toUpperCase(Locale.ROOT));
            }
            if (seen.contains("NEVER") && seen.size() > 1) {
                return "dsn.notify: NEVER cannot be combined with other values (RFC 3461 4.1)";
            }
        }
        if (dsn.ret() != null && !dsn.ret().equalsIgnoreCase("FULL") && !dsn.ret().equalsIgnoreCase("HDRS")) {
            return "dsn.ret must be FULL or HDRS";
        }
        if (dsn.envid() != null && (dsn.envid().length() > 100 || !visibleAscii(dsn.envid()))) {
            return "dsn.envid must be at most 100 printable ASCII characters (RFC 3461 4.4)";
        }
        return null;
    }

    /** Strict base64 (line breaks allowed, nothing else); null when it does not decode. */
    static byte[] decode(String b64) {
        try {
            return Base64.getDecoder().decode(b64.replaceAll("[\\r\\n]", ""));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Removes repeated recipients, keeping the first spelling (domains compare case-insensitively). */
    static List<String> fold(List<String> to) {
        Set<String> seen = new LinkedHashSet<>();
        List<String> out = new ArrayList<>();
        for (String r : to) {
            int at = r.lastIndexOf('@');
            String norm = r.substring(0, at) + "@" + r.substring(at + 1).toLowerCase(Locale.ROOT);
            if (seen.add(norm)) {
                out.add(r);
            }
        }
        return out;
    }

    /** Only JSON whitespace (or nothing). */
    private static boolean blank(byte[] b) {
        for (byte c : b) {
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return false;
            }
        }
        return true;
    }

    /** A strict decoder and a scratch buffer per thread: checking allocates nothing per record. */
    private static final ThreadLocal<CharsetDecoder> UTF8 = ThreadLocal.withInitial(() -> StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT));
    private static final ThreadLocal<CharBuffer> SCRATCH = ThreadLocal.withInitial(() -> CharBuffer.allocate(8192));

    /** The offset of the first byte that is not well-formed UTF-8 in {@code b}, or -1 when all is. */
    static int malformedUtf8At(byte[] b) {
        CharsetDecoder decoder = UTF8.get().reset();
        CharBuffer out = SCRATCH.get();
        ByteBuffer in = ByteBuffer.wrap(b);
        while (true) {
            out.clear();
            CoderResult r = decoder.decode(in, out, true);
            if (r.isError()) {
                return in.position();
            }
            if (r.isUnderflow()) {
                out.clear();
                return decoder.flush(out).isError() ? in.position() : -1;
            }
        }
    }

    /** For a record that is not a valid Submission, reads what id and recipients it can. */
    private Verdict rejectedFromTree(byte[] value, String assignedId, String reason) {
        String id = assignedId;
        List<String> rcpts = new ArrayList<>();
        try {
            JsonNode tree = reader.readTree(value);
            if (tree != null && tree.path("id").isTextual() && !tree.path("id").asText().isBlank()) {
                id = tree.path("id").asText();
            }
            if (tree != null && tree.path("to").isArray()) {
                tree.path("to").forEach(n -> {
                    if (n.isTextual()) {
                        rcpts.add(n.asText());
                    }
                });
            }
        } catch (Exception ignored) {
            // not JSON at all: no id, no recipients to name
        }
        return new Verdict.Rejected(id, rcpts, reason);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
