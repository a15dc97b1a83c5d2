package warmwire.it;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NAME
 *   PeerLog - what the Postfix peer accepted, read from its mail log.
 * DESCRIPTION
 *   Postfix logs one queue id per accepted copy of a message: cleanup's
 *   {@code QUEUEID: message-id=<...>} and the discard agent's
 *   {@code QUEUEID: to=<rcpt>, ... status=sent}. {@link #copies} joins the two: for each
 *   Message-ID, the copies that were accepted and delivered, each with its recipients. A
 *   message whose transfer broke off in DATA has a message-id line but no {@code status=sent}
 *   line; it is not a copy. Two copies of one Message-ID for one recipient are a redelivery.
 */
final class PeerLog {
    private static final Pattern MESSAGE_ID = Pattern.compile("\\]: ([0-9A-Za-z]+): message-id=<([^>]*)>");
    private static final Pattern SENT = Pattern.compile("\\]: ([0-9A-Za-z]+): to=<([^>]*)>,.*status=sent");

    /** One accepted copy: its queue id at the peer and the recipients it was delivered to (lower case). */
    record Copy(String queueId, Set<String> sentTo) {
    }

    private PeerLog() {
    }

    /**
     * Message-ID (without angle brackets) -> its delivered copies, in log order. Lines are
     * joined in the order they were logged: a status=sent line belongs to the latest
     * message-id line of its queue id before it, so a queue id the peer used again (short
     * Postfix queue ids do come back) starts a new copy instead of taking over the old one.
     */
    static Map<String, List<Copy>> copies(String log) {
        Map<String, Copy> latest = new HashMap<>(); // queue id -> the copy its latest message-id line began
        List<Map.Entry<String, Copy>> accepted = new ArrayList<>(); // Message-ID and copy, in log order
        for (String line : log.split("\n")) {
            Matcher m = MESSAGE_ID.matcher(line);
            if (m.find()) {
                Copy c = new Copy(m.group(1), new LinkedHashSet<>());
                latest.put(m.group(1), c);
                accepted.add(Map.entry(m.group(2), c));
                continue;
            }
            Matcher s = SENT.matcher(line);
            if (s.find()) {
                Copy c = latest.get(s.group(1));
                if (c != null) {
                    c.sentTo().add(s.group(2).toLowerCase(Locale.ROOT));
                }
            }
        }
        Map<String, List<Copy>> out = new HashMap<>();
        for (Map.Entry<String, Copy> a : accepted) {
            if (!a.getValue().sentTo().isEmpty()) {
                out.computeIfAbsent(a.getKey(), k -> new ArrayList<>()).add(a.getValue());
            }
        }
        return out;
    }

    /** How many copies of {@code messageId} were delivered to {@code rcpt}. */
    static int copiesTo(Map<String, List<Copy>> copies, String messageId, String rcpt) {
        String r = rcpt.toLowerCase(Locale.ROOT);
        return (int) copies.getOrDefault(messageId, List.of()).stream().filter(c -> c.sentTo().contains(r)).count();
    }

    private static final Pattern CLIENT = Pattern.compile(" ([^ ]+/smtpd\\[[0-9]+\\]): ([0-9A-Za-z]+): client=");

    /**
     * Whether the session that handed {@code messageId} to the peer had started TLS before the
     * message: the smtpd process that logged the copy's {@code client=} line logged
     * "TLS connection established" after its last "connect from" before it. Null when the log
     * has no copy of the message.
     */
    static Boolean overTls(String log, String messageId) {
        String[] lines = log.split("\n");
        String qid = null;
        for (String line : lines) {
            Matcher m = MESSAGE_ID.matcher(line);
            if (m.find() && m.group(2).equals(messageId)) {
                qid = m.group(1);
                break;
            }
        }
        if (qid == null) {
            return null;
        }
        for (int i = 0; i < lines.length; i++) {
            Matcher c = CLIENT.matcher(lines[i]);
            if (c.find() && c.group(2).equals(qid)) {
                String smtpd = c.group(1) + ": ";
                for (int j = i - 1; j >= 0; j--) {
                    if (!lines[j].contains(smtpd)) {
                        continue;
                    }
                    if (lines[j].contains("TLS connection established")) {
                        return true;
                    }
                    if (lines[j].contains(smtpd + "connect from")) {
                        return false;
                    }
                }
                return false;
            }
        }
        return null;
    }
}
