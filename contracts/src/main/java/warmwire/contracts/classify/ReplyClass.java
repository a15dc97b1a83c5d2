package warmwire.contracts.classify;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** The class of a non-delivered recipient: what the refusal or failure was about. */
public enum ReplyClass {
    /** The mailbox does not exist, is disabled or moved, or its address is wrong (X.1.x, X.2.1). */
    BAD_MAILBOX("bad-mailbox"),
    /** The mailbox is over its quota (X.2.2). */
    MAILBOX_FULL("mailbox-full"),
    /** Refused for what the message is: spam, virus, content or format (X.6.x, "spam"). */
    CONTENT("content"),
    /** Refused or slowed for who sends: blocklists, reputation, rates, too many connections. */
    REPUTATION("reputation"),
    /** Refused by the receiver's policy or sender authentication: DMARC, SPF, DKIM (X.7.x). */
    POLICY("policy"),
    /** TLS could not be had as required, or failed (X.7.5, X.7.10, X.7.30, 4.7.4). */
    TLS("tls"),
    /** The destination could not be found in DNS (X.1.2, X.4.3, X.4.4, null MX). */
    DNS("dns"),
    /** No connection, a dropped one, a timeout (X.4.1, X.4.2). */
    CONNECTION("connection"),
    /** The SMTP dialogue went wrong (X.5.x). */
    PROTOCOL("protocol"),
    /** Anything else. */
    OTHER("other");

    private final String wire;

    ReplyClass(String wire) {
        this.wire = wire;
    }

    @JsonValue
    public String wireName() {
        return wire;
    }

    /** The class named {@code s} (wire name, case-insensitive); IllegalArgumentException if none. */
    @JsonCreator
    public static ReplyClass parse(String s) {
        for (ReplyClass c : values()) {
            if (c.wire.equals(s.toLowerCase(Locale.ROOT))) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown reply class '" + s + "'");
    }
}
