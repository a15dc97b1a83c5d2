package warmwire.queue.dsn;

import static warmwire.queue.dsn.MailFormat.CRLF;
import static warmwire.queue.dsn.MailFormat.field;

import java.io.ByteArrayOutputStream;
import java.net.IDN;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import warmwire.contracts.mail.Dsn;
import warmwire.contracts.mail.QueuedMessage;
import warmwire.contracts.outcome.SmtpReply;

/**
 * NAME
 *   DsnWriter - RFC 3464 delivery status notifications, as new messages for mail.route.
 * SYNOPSIS
 *   {@code DsnWriter w = new DsnWriter("mta1.example.com", DsnWriter.DEFAULT_RETURN_SIZE_LIMIT);}
 *   {@code Optional<QueuedMessage> dsn = w.write(original, reports, n, now);}
 *   {@code dsn.ifPresent(m -> publish to mail.route, key m.id());}
 * DESCRIPTION
 *   {@code write(original, reports, n, now)}: {@code original} is the message as queued (body
 *   included: DeliveryOutcome.pending or a retry record), {@code reports} one
 *   {@link RecipientReport} per recipient to tell about (build them with
 *   {@link RecipientReport#of}), {@code n} numbers the DSNs of one message: the caller keeps
 *   it unique among them and stable for a redelivered outcome, so that a replay yields the same
 *   id (the attempt alone is not enough: one attempt of a message for several sites ends in
 *   several outcomes), {@code now} the time of writing.
 *   The Message-ID's left part is the DSN id with characters outside dot-atom-text written as
 *   {@code %HH}; the MIME boundary is derived from the DSN id and checked against the content.
 *   Returns empty when nothing is to be sent: the original sender is the null sender, or no
 *   report passes {@link Notify#wants} for the message's NOTIFY. Otherwise one message with
 *   the reports that pass, however many (several failed recipients of one outcome make one DSN;
 *   failed and delayed ones may share it, each with its own Action):
 *   envelope from "" (null sender), to the original sender, id {@code <orig id>.dsn.<n>},
 *   attempt 1, submittedAt {@code now}, the original's TLS level, tenant and campaign, no DSN
 *   request of its own.
 *   The body is {@code multipart/report; report-type=delivery-status} (RFC 6522) with Date,
 *   From: Mail Delivery System &lt;MAILER-DAEMON@host&gt;, To: the sender, Subject as Postfix
 *   ("Undelivered Mail Returned to Sender", "Delayed Mail (still being retried)", "Successful
 *   Mail Delivery Report", by the gravest action reported), Message-ID
 *   {@code <orig id.dsn.n@host>}, MIME-Version and Auto-Submitted: auto-replied (RFC 3834), and
 *   three parts:
 *   (1) text/plain: what happened, one wrapped paragraph per recipient with the server's reply;
 *   (2) message/delivery-status: Original-Envelope-Id (ENVID), Reporting-MTA: dns; host,
 *   Arrival-Date (submittedAt), X-Warmwire-Message-ID, X-Warmwire-Sender; per recipient
 *   Final-Recipient, Action, Status, Remote-MTA (when a server answered), Diagnostic-Code
 *   ({@code smtp; <reply>}, or {@code X-Warmwire; <reason>} when no server spoke),
 *   Last-Attempt-Date, Will-Retry-Until (delayed only). No Original-Recipient: Warmwire does not
 *   carry ORCPT;
 *   (3) the original: message/rfc822 (whole message) or text/rfc822-headers (header section).
 * RETURNED CONTENT
 *   The whole message only in a DSN that reports a failure, when RET is FULL or absent (Postfix's
 *   default is FULL), the message is not larger than the return size limit, and it can travel as
 *   7bit/8bit (no NUL, no line over 998 octets). Otherwise the header section: RET=HDRS, larger
 *   than the limit (also with RET=FULL, as Postfix's bounce_size_limit: the sender has the
 *   message, and a DSN that is too large for the sender's server is lost), and always for
 *   delayed and relayed notices (Postfix does the same; RFC 3461 section 4.3 gives RET to failed
 *   DSNs).
 *   The text part says which and why. Default limit: 1 MiB ({@link #DEFAULT_RETURN_SIZE_LIMIT};
 *   Postfix's 50000 bytes cuts most messages with an attachment to headers); 0 = no limit.
 *   No original part when the body is missing or not base64.
 * 8-BIT AND SMTPUTF8
 *   A notice stays 7-bit unless it must carry 8-bit: the delivery-status part is always US-ASCII
 *   message/delivery-status; a non-ASCII address is {@code utf-8; <xtext>} (RFC 6533 section 3,
 *   utf-8-addr-xtext) and non-ASCII in a reply or reason {@code \x{HEX}}. The original goes as
 *   message/rfc822 with Content-Transfer-Encoding 7bit or 8bit (RFC 2046 allows nothing else);
 *   when its header section is UTF-8 (RFC 6532) as message/global or message/global-headers
 *   (RFC 6532, RFC 6533), 8bit; a header section that cannot travel as
 *   8bit goes base64 as text. The text part is us-ascii, or utf-8 with 8bit when the notice is
 *   8-bit anyway (8-bit original part, or the sender's address is UTF-8 so the To: header and
 *   the envelope need SMTPUTF8), else quoted-printable. The top level declares 8bit when a part
 *   does. Every line ends with CRLF and has at most 998 octets; long fields are folded.
 * CONFIGURATION
 *   Constructor arguments, wired by the caller: the reporting host (Reporting-MTA, From:,
 *   Message-ID; key warmwire.queue.hostname) and the return size limit (key
 *   warmwire.queue.dsn-return-size-limit), both from queue-service's QueueConfig.
 * SEE ALSO
 *   RFC 3461, RFC 3462/6522, RFC 3463, RFC 3464, RFC 3834, RFC 6532, RFC 6533; Postfix bounce(8).
 */
public final class DsnWriter {
    /** Largest original returned whole: 1 MiB. */
    public static final int DEFAULT_RETURN_SIZE_LIMIT = 1 << 20;

    private final String host;
    private final int returnSizeLimit;

    /**
     * @param reportingHost   this MTA's host name (an IDN is written in its ASCII form)
     * @param returnSizeLimit largest original (octets) returned whole; 0 = no limit
     */
    public DsnWriter(String reportingHost, int returnSizeLimit) {
        if (reportingHost == null || reportingHost.isBlank()) {
            throw new IllegalArgumentException("the reporting host name is required");
        }
        if (returnSizeLimit < 0) {
            throw new IllegalArgumentException("return size limit must be >= 0, 0 = unlimited");
        }
        this.host = IDN.toASCII(reportingHost.strip(), IDN.ALLOW_UNASSIGNED);
        this.returnSizeLimit = returnSizeLimit;
    }

    /** The id of the n-th DSN of a message. */
    public static String dsnId(String originalId, int n) {
        return originalId + ".dsn." + n;
    }

    /**
     * The DSN about {@code reports}, or empty when the sender is the null sender or NOTIFY asks for
     * none of them. See the class comment.
     */
    public Optional<QueuedMessage> write(QueuedMessage original, List<RecipientReport> reports, int n, Instant now) {
        String sender = original.from();
        List<RecipientReport> wanted = reports.stream()
                .filter(r -> Notify.wants(sender, original.dsn(), r.action())).toList();
        if (wanted.isEmpty()) {
            return Optional.empty();
        }
        String id = dsnId(original.id(), n);
        byte[] body = render(original, wanted, id, now);
        return Optional.of(new QueuedMessage(id, "", List.of(sender), body,
                original.tls(), original.tenant(), original.campaign(), null, 1, now));
    }

    /** The message text of a DSN (all reports are written; filtering is {@link #write}'s). */
    byte[] render(QueuedMessage original, List<RecipientReport> reports, String dsnId, Instant now) {
        Action gravest = reports.stream().map(RecipientReport::action).min(Comparator.naturalOrder()).orElseThrow();
        OriginalContent content = OriginalContent.of(original.content());
        Returned returned = returned(original.dsn(), gravest, content);
        String sender = original.from();

        byte[] statusPart = statusPart(original, reports).getBytes(StandardCharsets.US_ASCII);
        byte[] text = humanText(reports, gravest, returned).getBytes(StandardCharsets.UTF_8);
        boolean textAscii = MailFormat.isAscii(new String(text, StandardCharsets.UTF_8));
        boolean eightBitAnyway = returned.cte == Cte.EIGHT_BIT || !MailFormat.isAscii(sender);
        Cte textCte = textAscii ? null : eightBitAnyway ? Cte.EIGHT_BIT : Cte.QUOTED_PRINTABLE;
        byte[] textBody = textCte == Cte.QUOTED_PRINTABLE
                ? MailFormat.quotedPrintable(text).getBytes(StandardCharsets.US_ASCII) : text;
        byte[] originalBody = returned.body();

        String boundary = boundary(dsnId, textBody, statusPart, originalBody);
        boolean eightBit = textCte == Cte.EIGHT_BIT || returned.cte == Cte.EIGHT_BIT;

        ByteArrayOutputStream out = new ByteArrayOutputStream(2048 + (originalBody == null ? 0 : originalBody.length));
        StringBuilder h = new StringBuilder(512);
        h.append(field("Date", MailFormat.date(now)));
        h.append(field("From", "Mail Delivery System <MAILER-DAEMON@" + host + ">"));
        h.append(field("To", MailFormat.printable(sender)));
        h.append(field("Subject", subject(gravest)));
        h.append(field("Message-ID", "<" + idLeft(dsnId) + "@" + host + ">"));
        h.append(field("MIME-Version", "1.0"));
        h.append(field("Auto-Submitted", "auto-replied"));
        h.append(field("Content-Type", "multipart/report; report-type=delivery-status; boundary=\"" + boundary + "\""));
        if (eightBit) {
            h.append(field("Content-Transfer-Encoding", Cte.EIGHT_BIT.wire));
        }
        h.append(CRLF).append("This is a MIME-encapsulated message.").append(CRLF);

        h.append(CRLF).append("--").append(boundary).append(CRLF);
        h.append(field("Content-Description", "Notification"));
        h.append(field("Content-Type", "text/plain; charset=" + (textAscii ? "us-ascii" : "utf-8")));
        if (textCte != null) {
            h.append(field("Content-Transfer-Encoding", textCte.wire));
        }
        h.append(CRLF);
        write(out, h);
        out.writeBytes(textBody);

        h.append(CRLF).append("--").append(boundary).append(CRLF);
        h.append(field("Content-Description", "Delivery report"));
        h.append(field("Content-Type", "message/delivery-status"));
        h.append(CRLF);
        write(out, h);
        out.writeBytes(statusPart);

        if (originalBody != null) {
            h.append(CRLF).append("--").append(boundary).append(CRLF);
            h.append(field("Content-Description", returned.description(gravest)));
            h.append(field("Content-Type", returned.type));
            if (returned.cte != null) {
                h.append(field("Content-Transfer-Encoding", returned.cte.wire));
            }
            h.append(CRLF);
            write(out, h);
            out.writeBytes(originalBody);
        }
        h.append(CRLF).append("--").append(boundary).append("--").append(CRLF);
        write(out, h);
        return out.toByteArray();
    }

    private static void write(ByteArrayOutputStream out, StringBuilder h) {
        out.writeBytes(h.toString().getBytes(StandardCharsets.UTF_8));
        h.setLength(0);
    }

    static String subject(Action gravest) {
        return switch (gravest) {
            case FAILED -> "Undelivered Mail Returned to Sender";
            case DELAYED -> "Delayed Mail (still being retried)";
            default -> "Successful Mail Delivery Report";
        };
    }

    // ---- part 3: the original ----

    /** A MIME Content-Transfer-Encoding (RFC 2045, RFC 6152), as this writer uses them. */
    enum Cte {
        SEVEN_BIT("7bit"), EIGHT_BIT("8bit"), QUOTED_PRINTABLE("quoted-printable"), BASE64("base64");

        final String wire;

        Cte(String wire) {
            this.wire = wire;
        }
    }

    /** Why part 3 carries less than the whole message (RFC 3462: the headers, or nothing). */
    enum Partial {
        /** A success or delay notice: the headers are enough. */
        NOTICE,
        /** The sender asked for headers only (RET=HDRS). */
        HDRS,
        /** Larger than the return size limit. */
        SIZE,
        /** Lines over 998 octets or NUL characters: not safe to return whole. */
        UNCLEAN,
        /** The content is not available (nothing is attached). */
        UNAVAILABLE
    }

    /** What part 3 carries: type, encoding, content, and why only headers (null: the whole message). */
    private record Returned(String type, Cte cte, byte[] content, boolean full, Partial why) {
        byte[] body() {
            if (content == null) {
                return null;
            }
            if (cte == Cte.BASE64) {
                return Base64.getMimeEncoder(76, CRLF.getBytes(StandardCharsets.US_ASCII)).encodeToString(content)
                        .concat(content.length > 0 ? CRLF : "").getBytes(StandardCharsets.US_ASCII);
            }
            return content;
        }

        String description(Action gravest) {
            String what = full ? "Message" : "Message Headers";
            return gravest == Action.FAILED || gravest == Action.DELAYED ? "Undelivered " + what : what;
        }
    }

    private Returned returned(Dsn dsn, Action gravest, OriginalContent c) {
        if (c == null) {
            return new Returned(null, null, null, false, Partial.UNAVAILABLE);
        }
        Partial why = null;
        if (gravest != Action.FAILED) {
            why = Partial.NOTICE;
        } else if (dsn != null && "HDRS".equalsIgnoreCase(dsn.ret())) {
            why = Partial.HDRS;
        } else if (returnSizeLimit > 0 && c.size() > returnSizeLimit) {
            why = Partial.SIZE;
        } else if (!c.clean) {
            why = Partial.UNCLEAN;
        }
        if (why == null) {
            return new Returned(c.headersUtf8 ? "message/global" : "message/rfc822", c.eightBit ? Cte.EIGHT_BIT : Cte.SEVEN_BIT,
                    c.bytes, true, null);
        }
        String type = c.headersUtf8 ? "message/global-headers" : "text/rfc822-headers";
        Cte cte = !c.headersClean ? Cte.BASE64 : c.headersEightBit ? Cte.EIGHT_BIT : Cte.SEVEN_BIT;
        return new Returned(type, cte, c.headers(), false, why);
    }

    // ---- part 1: the human-readable text ----

    private String humanText(List<RecipientReport> reports, Action gravest, Returned returned) {
        List<String> lines = new ArrayList<>();
        lines.add("This is the mail system at host " + host + ".");
        lines.add("");
        switch (gravest) {
            case FAILED -> {
                paragraph(lines, "Your message could not be delivered to one or more of its recipients. "
                        + "No further attempt will be made for them.");
            }
            case DELAYED -> {
                paragraph(lines, "This is a warning only: you do not need to send your message again.");
                lines.add("");
                Instant until = reports.stream().map(RecipientReport::willRetryUntil).filter(t -> t != null)
                        .max(Comparator.naturalOrder()).orElse(null);
                paragraph(lines, "Your message could not be delivered yet to the recipients listed below. "
                        + (until != null ? "The mail system keeps trying until " + MailFormat.date(until) + "."
                        : "The mail system keeps trying."));
            }
            default -> paragraph(lines, "Your message was handed over to the mail servers of the recipients "
                    + "listed below. Those servers were not asked for delivery notifications, so this is the "
                    + "last report you get from this mail system; a later problem is reported by them.");
        }
        lines.add("");
        paragraph(lines, returned.why == null ? "Your message is attached below." : switch (returned.why) {
            case UNAVAILABLE -> "Your message could not be attached: its content is not available.";
            case HDRS -> "The header section of your message is attached below, as you asked (RET=HDRS).";
            case SIZE -> "Your message is larger than " + returnSizeLimit
                    + " bytes; only its header section is attached below.";
            case UNCLEAN -> "Your message has lines longer than 998 octets or NUL characters; only its "
                    + "header section is attached below.";
            case NOTICE -> "The header section of your message is attached below.";
        });
        lines.add("");
        paragraph(lines, "If you ask for help, please include this report.");
        lines.add("");
        lines.add("                   The mail system");

        Map<Action, List<RecipientReport>> byAction = new EnumMap<>(Action.class);
        for (RecipientReport r : reports) {
            byAction.computeIfAbsent(r.action(), a -> new ArrayList<>()).add(r);
        }
        for (Map.Entry<Action, List<RecipientReport>> e : byAction.entrySet()) {
            if (byAction.size() > 1) {
                lines.add("");
                lines.add(heading(e.getKey()));
            }
            for (RecipientReport r : e.getValue()) {
                lines.add("");
                lines.addAll(MailFormat.wrap(MailFormat.printable("<" + r.recipient() + ">: " + explanation(r)), 79, 4));
            }
        }
        StringBuilder b = new StringBuilder(1024);
        for (String l : lines) {
            b.append(l).append(CRLF);
        }
        return b.toString();
    }

    private static void paragraph(List<String> lines, String text) {
        lines.addAll(MailFormat.wrap(text, 72, 0));
    }

    private static String heading(Action a) {
        return switch (a) {
            case FAILED -> "--- Delivery failed for these recipients ---";
            case DELAYED -> "--- Delivery is delayed for these recipients; still being retried ---";
            default -> "--- Delivered to the next mail server for these recipients ---";
        };
    }

    private static String explanation(RecipientReport r) {
        if (r.reason() != null && !r.reason().isBlank()) {
            return r.reason().strip();
        }
        SmtpReply s = r.reply();
        if (s != null) {
            String where = r.relay() == null ? "the server" : r.relay();
            return (r.action().success() ? "delivery via " + where + ": " : "host " + where + " said: ") + reply(s);
        }
        return r.action().success() ? "delivered" : "no reason recorded";
    }

    private static String reply(SmtpReply s) {
        String text = s.text() == null ? "" : s.text().strip();
        return s.code() + (s.enhanced() != null ? " " + s.enhanced() : "") + (text.isEmpty() ? "" : " " + text);
    }

    // ---- part 2: message/delivery-status ----

    private String statusPart(QueuedMessage original, List<RecipientReport> reports) {
        StringBuilder b = new StringBuilder(512);
        Dsn dsn = original.dsn();
        if (dsn != null && dsn.envid() != null && !dsn.envid().isEmpty()) {
            b.append(field("Original-Envelope-Id", MailFormat.ascii(dsn.envid())));
        }
        b.append(field("Reporting-MTA", "dns; " + host));
        if (original.submittedAt() != null) {
            b.append(field("Arrival-Date", MailFormat.date(original.submittedAt())));
        }
        b.append(field("X-Warmwire-Message-ID", MailFormat.ascii(original.id())));
        b.append(field("X-Warmwire-Sender", MailFormat.addressField(original.from())));
        for (RecipientReport r : reports) {
            b.append(CRLF);
            b.append(field("Final-Recipient", MailFormat.addressField(r.recipient())));
            b.append(field("Action", r.action().wireName()));
            b.append(field("Status", r.statusCode()));
            String mta = r.remoteMta();
            if (mta != null) {
                b.append(field("Remote-MTA", "dns; " + MailFormat.ascii(mta)));
            }
            if (r.reply() != null) {
                b.append(field("Diagnostic-Code", "smtp; " + MailFormat.ascii(reply(r.reply()))));
            } else if (r.reason() != null && !r.reason().isBlank()) {
                b.append(field("Diagnostic-Code", "X-Warmwire; " + MailFormat.ascii(r.reason().strip())));
            }
            if (r.lastAttempt() != null) {
                b.append(field("Last-Attempt-Date", MailFormat.date(r.lastAttempt())));
            }
            if (r.action() == Action.DELAYED && r.willRetryUntil() != null) {
                b.append(field("Will-Retry-Until", MailFormat.date(r.willRetryUntil())));
            }
        }
        return b.toString();
    }

    // ---- identifiers ----

    /**
     * A MIME boundary that occurs in none of the parts (RFC 2046 section 5.1.1): derived from the
     * DSN id, with a counter appended in the unlikely case the content contains it.
     */
    static String boundary(String dsnId, byte[]... parts) {
        String base = "=_warmwire_" + sha256Hex(dsnId).substring(0, 24);
        for (int k = 0; ; k++) {
            String candidate = k == 0 ? base : base + "." + k;
            byte[] marker = ("--" + candidate).getBytes(StandardCharsets.US_ASCII);
            boolean found = false;
            for (byte[] p : parts) {
                if (p != null && contains(p, marker)) {
                    found = true;
                    break;
                }
            }
            if (!found) {
                return candidate;
            }
        }
    }

    private static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static String sha256Hex(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The id-left of a Message-ID (RFC 5322 section 3.6.4, dot-atom-text): atext as is, a dot
     * only between atext, anything else as {@code %HH} of its UTF-8 octets ('%' itself too), so
     * different DSN ids give different Message-IDs.
     */
    static String idLeft(String id) {
        StringBuilder b = new StringBuilder(id.length() + 8);
        byte[] octets = id.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < octets.length; i++) {
            int c = octets[i] & 0xff;
            boolean dotOk = c == '.' && b.length() > 0 && b.charAt(b.length() - 1) != '.' && i + 1 < octets.length;
            if ((atext(c) && c != '%') || dotOk) {
                b.append((char) c);
            } else {
                b.append('%').append(String.format(Locale.ROOT, "%02X", c));
            }
        }
        return b.isEmpty() ? "dsn" : b.toString();
    }

    private static boolean atext(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0;
    }
}
