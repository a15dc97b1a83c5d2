package warmwire.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.UUID;

/** Builds submissions for mail.submit with a unique id and Message-ID, so a test can find its own mail. */
final class Mail {
    private static final ObjectMapper JSON = new ObjectMapper();

    final String id = "it-" + UUID.randomUUID();
    final String messageId = id + "@warmwire.test";
    private final ObjectNode node = JSON.createObjectNode();

    Mail(String from, String... to) {
        node.put("id", id);
        node.put("from", from);
        ArrayNode rcpts = node.putArray("to");
        for (String t : to) {
            rcpts.add(t);
        }
        node.put("content", "From: <" + from + ">\nTo: <" + to[0] + ">\nSubject: integration test " + id
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

    String json() {
        return node.toString();
    }
}
