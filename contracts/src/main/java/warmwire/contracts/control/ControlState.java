package warmwire.contracts.control;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * A record on {@code mail.control} (compacted): the operator's current decision about one
 * message, one site, or all mail. The key says what it is about ({@link #messageKey},
 * {@link #siteKey}, {@link #ALL}); the value is the whole state, not a delta, so compaction
 * keeps exactly what every instance needs, and a follower that reads the topic from the start
 * knows every decision in force. Written by the admin API (queue-service), read by
 * queue-service (retry tiers: delete, hold, retry now) and tls-session-service (suspended sites).
 *
 * @param key              the record key (repeated in the value for readers of the value alone)
 * @param held             message: do not attempt it until released
 * @param deleted          message: never attempt it again; its open recipients got a {@code deleted} event
 * @param suspended        site: defer its jobs without connecting until resumed
 * @param retryRequestedAt message, site or all: waiting mail scheduled before this time is due now
 * @param updatedAt        when the operator acted
 * @param reason           free text from the operator, shown in events and listings
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ControlState(String key, boolean held, boolean deleted, boolean suspended, Instant retryRequestedAt,
                           Instant updatedAt, String reason) {

    /** The key of every-mail decisions (retry all). */
    public static final String ALL = "all";

    public static String messageKey(String messageId) {
        return "message:" + messageId;
    }

    public static String siteKey(String siteKey) {
        return "site:" + siteKey;
    }

    /** Nothing decided yet about {@code key}. */
    public static ControlState none(String key) {
        return new ControlState(key, false, false, false, null, null, null);
    }

    public ControlState withHeld(boolean h, Instant at, String why) {
        return new ControlState(key, h, deleted, suspended, retryRequestedAt, at, why);
    }

    public ControlState withDeleted(Instant at, String why) {
        return new ControlState(key, held, true, suspended, retryRequestedAt, at, why);
    }

    public ControlState withSuspended(boolean s, Instant at, String why) {
        return new ControlState(key, held, deleted, s, retryRequestedAt, at, why);
    }

    public ControlState withRetryRequested(Instant at) {
        return new ControlState(key, held, deleted, suspended, at, at, reason);
    }
}
