package warmwire.contracts.outcome;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** A recipient's state in {@code mail.events}. */
public enum Status {
    /** The receiver answered 2xx to the end of data. */
    DELIVERED,
    /** A temporary failure (4xx, connection or TLS failure, DNS timeout); will be tried again. */
    DEFERRED,
    /** A permanent failure (5xx, no such domain); a DSN goes to the sender. */
    BOUNCED,
    /** Still deferred when the queue lifetime ran out. */
    EXPIRED,
    /** The submission failed validation and was never queued. */
    REJECTED,
    /** An operator deleted the message before this recipient reached another final state. */
    DELETED;

    /** Whether no further attempt will be made. */
    public boolean isFinal() {
        return this != DEFERRED;
    }

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static Status parse(String s) {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
    }
}
