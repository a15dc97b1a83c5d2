package warmwire.delivery.intake;

import java.util.List;
import warmwire.contracts.mail.QueuedMessage;

/**
 * What intake decided about one record of {@code mail.submit}: accepted as a {@link QueuedMessage},
 * or rejected with a reason. A rejection keeps whatever id and recipients could be read, so the
 * {@code rejected} events name them.
 */
public sealed interface Verdict {

    record Accepted(QueuedMessage message) implements Verdict {
    }

    /**
     * @param id         the message id the events carry (the client's if readable, else assigned)
     * @param recipients the recipients that could be read; may be empty
     * @param reason     why, in words an operator can act on
     */
    record Rejected(String id, List<String> recipients, String reason) implements Verdict {
    }
}
