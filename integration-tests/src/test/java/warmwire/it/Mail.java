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

    Mail tls(String level) {
        node.put("tls", level);
        return this;
    }

    String json() {
        return node.toString();
    }
}
