package warmwire.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.UUID;

/** Builds submissions for mail.submit with a unique id and Message-ID, so a test can find its own mail. */
final class Mail {
    private static final ObjectMapper JSON = new ObjectMapper();

    final String id;
    final String messageId;
    final String from;
    final List<String> to;
    private final ObjectNode node = JSON.createObjectNode();

    Mail(String from, String... to) {
        this("it-" + UUID.randomUUID(), from, List.of(to));
    }

    /** A message with the client id {@code id} (Message-ID {@code <id@warmwire.test>}). */
    static Mail withId(String id, String from, String... to) {
        return new Mail(id, from, List.of(to));
    }

    private Mail(String id, String from, List<String> to) {
        this.id = id;
        this.messageId = id + "@warmwire.test";
        this.from = from;
        this.to = List.copyOf(to);
        node.put("id", id);
        node.put("from", from);
        ArrayNode rcpts = node.putArray("to");
        for (String t : to) {
            rcpts.add(t);
        }
        node.put("content", "From: <" + from + ">\nTo: <" + to.get(0) + ">\nSubject: integration test " + id
                + "\nMessage-ID: <" + messageId + ">\n\nHello from Warmwire.\n.leading dot line\nBye.\n");
    }

    /** Pads the body to exactly {@code bytes} octets (ASCII lines of 76 characters). */
    Mail size(int bytes) {
        String head = node.path("content").asText();
        StringBuilder b = new StringBuilder(bytes).append(head);
        String line = "x".repeat(76) + "\n";
        while (b.length() + line.length() <= bytes) {
            b.append(line);
        }
        while (b.length() < bytes - 1) {
            b.append('y');
        }
        if (b.length() < bytes) {
            b.append('\n');
        }
        node.put("content", b.toString());
        return this;
    }

    Mail tls(String level) {
        node.put("tls", level);
        return this;
    }

    Mail tenant(String tenant) {
        node.put("tenant", tenant);
        return this;
    }

    /** Asks for REQUIRETLS (RFC 8689). */
    Mail requireTls() {
        node.put("requireTls", true);
        return this;
    }

    /** Adds a header field line (without its line end) at the top of the message. */
    Mail header(String field) {
        node.put("content", field + "\n" + node.path("content").asText());
        return this;
    }

    /**
     * The DSN request (RFC 3461): {@code notify} NEVER or any of SUCCESS, FAILURE, DELAY (empty:
     * none given), {@code ret} FULL or HDRS (null: none), {@code envid} (null: none).
     */
    Mail dsn(List<String> notify, String ret, String envid) {
        ObjectNode d = node.putObject("dsn");
        if (!notify.isEmpty()) {
            ArrayNode n = d.putArray("notify");
            notify.forEach(n::add);
        }
        if (ret != null) {
            d.put("ret", ret);
        }
        if (envid != null) {
            d.put("envid", envid);
        }
        return this;
    }

    String json() {
        return node.toString();
    }
}
