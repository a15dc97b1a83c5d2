package warmwire.queue.dsn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import warmwire.contracts.mail.Dsn;
import warmwire.contracts.mail.QueuedMessage;
import warmwire.contracts.mail.TlsLevel;
import warmwire.contracts.outcome.Delays;
import warmwire.contracts.outcome.DeliveryEvent;
import warmwire.contracts.outcome.DeliveryOutcome;
import warmwire.contracts.outcome.RecipientResult;
import warmwire.contracts.outcome.SmtpReply;
import warmwire.contracts.outcome.Status;

class DsnWriterTest {
    static final Instant SUBMITTED = Instant.parse("2026-11-28T08:00:00Z");
    static final Instant ATTEMPT = Instant.parse("2026-11-28T09:59:55Z");
    static final Instant NOW = Instant.parse("2026-11-28T10:00:00Z");
    static final Instant UNTIL = Instant.parse("2026-12-03T08:00:00Z");
    static final String HEADERS = "From: Alice <alice@sender.example>\r\nTo: bob@example.net\r\n"
            + "Subject: Hello\r\nMessage-ID: <m1@sender.example>\r\n";
    static final String ORIGINAL = HEADERS + "\r\nHi Bob,\r\nsee you.\r\n";
    static final String BOB_TEXT = "<bob@example.net>: Recipient address rejected: User unknown in virtual mailbox table";

    final DsnWriter writer = new DsnWriter("mta1.warmwire.example", DsnWriter.DEFAULT_RETURN_SIZE_LIMIT);

    static QueuedMessage original(String from, Dsn dsn, byte[] content) {
        return new QueuedMessage("m1", from, List.of("bob@example.net", "carol@example.org"),
                content, TlsLevel.ENCRYPT, "tenant-a",
                "spring", dsn, 3, SUBMITTED);
    }

    static QueuedMessage original(Dsn dsn) {
        return original("alice@sender.example", dsn, ORIGINAL.getBytes(StandardCharsets.UTF_8));
    }

    static RecipientReport bounced(String rcpt) {
        return new RecipientReport(rcpt, Action.FAILED, "5.1.1", new SmtpReply(550, "5.1.1", BOB_TEXT),
                "mx.example.net[192.0.2.1]:25", "host mx.example.net[192.0.2.1]:25 said: 550 5.1.1 " + BOB_TEXT
                + " (in reply to RCPT TO command)", ATTEMPT, null);
    }

    static RecipientReport noSuchDomain(String rcpt) {
        return new RecipientReport(rcpt, Action.FAILED, "5.1.2", null, "none", "Host or domain name not found. "
                + "Name service error for name=example.org type=MX: Host not found", ATTEMPT, null);
    }

    static RecipientReport delayed(String rcpt) {
        return new RecipientReport(rcpt, Action.DELAYED, "4.2.1", new SmtpReply(450, "4.2.1", "try again later"),
                "mx.example.net[192.0.2.1]:25", "host mx.example.net[192.0.2.1]:25 said: 450 4.2.1 try again later "
                + "(in reply to RCPT TO command)", ATTEMPT, UNTIL);
    }

    static RecipientReport relayed(String rcpt) {
        return new RecipientReport(rcpt, Action.RELAYED, "2.0.0", new SmtpReply(250, "2.0.0", "Ok: queued as 4Xyz"),
                "mx.example.net[192.0.2.1]:25", null, ATTEMPT, null);
    }

    /** The DSN's message, checked for wire cleanliness, parsed. */
    static Mime.Entity message(QueuedMessage dsn) {
        byte[] raw = dsn.content();
        Mime.assertWireClean(raw);
        return Mime.parse(raw);
    }

    /** Human text with its wrapped lines joined again (a line break plus indent becomes one space). */
    static String flat(String text) {
        return text.replaceAll("\r\n {4}", " ").replaceAll("(?<=\\S)\r\n(?=\\S)", " ");
    }

    @Test
    void failedRecipientsMakeOneDsnWithTheWholeMessage() {
        QueuedMessage dsn = writer.write(original(null), List.of(bounced("bob@example.net"),
                noSuchDomain("carol@example.org")), 3, NOW).orElseThrow();

        assertEquals("m1.dsn.3", dsn.id());
        assertEquals("", dsn.from());
        assertEquals(List.of("alice@sender.example"), dsn.recipients());
        assertEquals(1, dsn.attempt());
        assertEquals(NOW, dsn.submittedAt());
        assertEquals(TlsLevel.ENCRYPT, dsn.tls());
        assertNull(dsn.dsn());
        assertEquals("tenant-a", dsn.tenant());
        assertEquals("spring", dsn.campaign());
        assertNull(dsn.notBefore());
        assertFalse(dsn.delayNotified());

        Mime.Entity m = message(dsn);
        assertEquals("Sat, 28 Nov 2026 10:00:00 +0000", m.header("Date"));
        assertEquals("Mail Delivery System <MAILER-DAEMON@mta1.warmwire.example>", m.header("From"));
        assertEquals("alice@sender.example", m.header("To"));
        assertEquals("Undelivered Mail Returned to Sender", m.header("Subject"));
        assertEquals("<m1.dsn.3@mta1.warmwire.example>", m.header("Message-ID"));
        assertEquals("1.0", m.header("MIME-Version"));
        assertEquals("auto-replied", m.header("Auto-Submitted"));
        assertEquals("multipart/report", m.type());
        assertEquals("delivery-status", m.param("Content-Type", "report-type"));
        assertNull(m.header("Content-Transfer-Encoding"), "an ASCII DSN is 7bit");
        for (String h : List.of("Date", "From", "To", "Subject", "Message-ID", "MIME-Version", "Auto-Submitted",
                "Content-Type")) {
            assertEquals(1, m.count(h), h);
        }

        List<Mime.Entity> parts = Mime.parts(m);
        assertEquals(3, parts.size());

        Mime.Entity text = parts.get(0);
        assertEquals("text/plain", text.type());
        assertEquals("us-ascii", text.param("Content-Type", "charset"));
        String human = text.text();
        assertTrue(human.startsWith("This is the mail system at host mta1.warmwire.example."), human);
        assertTrue(human.contains("Your message is attached below."), human);
        String unwrapped = flat(human);
        assertTrue(unwrapped.contains("<bob@example.net>: host mx.example.net[192.0.2.1]:25 said: 550 5.1.1 " + BOB_TEXT
                + " (in reply to RCPT TO command)"), human);
        assertTrue(unwrapped.contains("<carol@example.org>: Host or domain name not found."), human);
        for (String line : human.split("\r\n")) {
            assertTrue(line.length() <= 79, "human line too long: " + line);
            assertFalse(line.endsWith(" "), "trailing white space: " + line);
        }

        Mime.Entity status = parts.get(1);
        assertEquals("message/delivery-status", status.type());
        List<Map<String, String>> groups = Mime.statusGroups(status.body());
        assertEquals(3, groups.size());
        Map<String, String> perMessage = groups.get(0);
        assertEquals("dns; mta1.warmwire.example", perMessage.get("reporting-mta"));
        assertEquals("Sat, 28 Nov 2026 08:00:00 +0000", perMessage.get("arrival-date"));
        assertEquals("m1", perMessage.get("x-warmwire-message-id"));
        assertEquals("rfc822; alice@sender.example", perMessage.get("x-warmwire-sender"));
        assertFalse(perMessage.containsKey("original-envelope-id"));

        Map<String, String> bob = groups.get(1);
        assertEquals("rfc822; bob@example.net", bob.get("final-recipient"));
        assertEquals("failed", bob.get("action"));
        assertEquals("5.1.1", bob.get("status"));
        assertEquals("dns; mx.example.net", bob.get("remote-mta"));
        assertEquals("smtp; 550 5.1.1 " + BOB_TEXT, bob.get("diagnostic-code"));
        assertEquals("Sat, 28 Nov 2026 09:59:55 +0000", bob.get("last-attempt-date"));
        assertFalse(bob.containsKey("will-retry-until"));
        assertFalse(bob.containsKey("original-recipient"));

        Map<String, String> carol = groups.get(2);
        assertEquals("rfc822; carol@example.org", carol.get("final-recipient"));
        assertEquals("5.1.2", carol.get("status"));
        assertFalse(carol.containsKey("remote-mta"), "no server answered");
        assertEquals("X-Warmwire; Host or domain name not found. Name service error for name=example.org type=MX: "
                + "Host not found", carol.get("diagnostic-code"));

        Mime.Entity returned = parts.get(2);
        assertEquals("message/rfc822", returned.type());
        assertEquals("7bit", returned.header("Content-Transfer-Encoding"));
        assertEquals("Undelivered Message", returned.header("Content-Description"));
        assertArrayEquals(ORIGINAL.getBytes(StandardCharsets.UTF_8), returned.body());
    }

    @Test
    void reportsFromOutcomeAndEventCarryTheirFacts() {
        DeliveryOutcome o = new DeliveryOutcome("m1", "m1/3/s", 3, "s", "mx.example.net[192.0.2.1]:25", List.of(
                new RecipientResult("bob@example.net", Status.BOUNCED, new SmtpReply(550, "5.1.1", "no such user"),
                        "5.1.1", "host mx.example.net[192.0.2.1]:25 said: 550 5.1.1 no such user (in reply to RCPT TO command)"),
                new RecipientResult("carol@example.org", Status.BOUNCED, null, "5.4.4", "no route")),
                null, 1, Delays.NONE, ATTEMPT);
        RecipientReport bob = RecipientReport.of(o, o.results().get(0), Action.FAILED);
        assertEquals("5.1.1", bob.status());
        assertEquals("mx.example.net", bob.remoteMta());
        assertEquals(ATTEMPT, bob.lastAttempt());
        RecipientReport carol = RecipientReport.of(o, o.results().get(1), Action.FAILED);
        assertEquals("5.4.4", carol.status());
        assertNull(carol.remoteMta(), "no reply, no Remote-MTA");

        DeliveryEvent e = new DeliveryEvent("m1", "dan@example.com", Status.EXPIRED, 5, "s", "[192.0.2.7]:2525",
                new SmtpReply(421, null, "too busy"), null, null, 1, null, ATTEMPT, "host [192.0.2.7]:2525 said: 421 too busy");
        RecipientReport dan = RecipientReport.of(e, Action.FAILED);
        assertEquals("5.0.0", dan.status(), "class default of the event's status when no code is known");
        assertEquals("[192.0.2.7]", dan.remoteMta());

        Mime.Entity m = message(writer.write(original(null), List.of(bob, carol, dan), 1, NOW).orElseThrow());
        List<Map<String, String>> groups = Mime.statusGroups(Mime.parts(m).get(1).body());
        assertEquals("smtp; 550 5.1.1 no such user", groups.get(1).get("diagnostic-code"));
        assertEquals("X-Warmwire; no route", groups.get(2).get("diagnostic-code"));
        assertEquals("5.0.0", groups.get(3).get("status"));
        assertEquals("dns; [192.0.2.7]", groups.get(3).get("remote-mta"));
        assertEquals("smtp; 421 too busy", groups.get(3).get("diagnostic-code"));
    }

    @Test
    void delayedNoticeOnlyWhenAskedWithHeadersAndRetryUntil() {
        assertTrue(writer.write(original(null), List.of(delayed("bob@example.net")), 1, NOW).isEmpty(),
                "NOTIFY absent: no DELAY notice");
        assertTrue(writer.write(original(new Dsn(List.of("FAILURE"), null, null)), List.of(delayed("bob@example.net")), 1,
                NOW).isEmpty());

        QueuedMessage dsn = writer.write(original(new Dsn(List.of("delay", "failure"), "FULL", null)),
                List.of(delayed("bob@example.net")), 2, NOW).orElseThrow();
        Mime.Entity m = message(dsn);
        assertEquals("Delayed Mail (still being retried)", m.header("Subject"));
        List<Mime.Entity> parts = Mime.parts(m);
        String human = flat(parts.get(0).text());
        assertTrue(human.contains("you do not need to send your message again"), human);
        assertTrue(human.contains("keeps trying until Thu, 3 Dec 2026 08:00:00 +0000"), human);

        Map<String, String> bob = Mime.statusGroups(parts.get(1).body()).get(1);
        assertEquals("delayed", bob.get("action"));
        assertEquals("4.2.1", bob.get("status"));
        assertEquals("smtp; 450 4.2.1 try again later", bob.get("diagnostic-code"));
        assertEquals("Thu, 3 Dec 2026 08:00:00 +0000", bob.get("will-retry-until"));

        Mime.Entity returned = parts.get(2);
        assertEquals("text/rfc822-headers", returned.type(), "a delay notice returns headers only, even with RET=FULL");
        assertEquals("Undelivered Message Headers", returned.header("Content-Description"));
        assertEquals(HEADERS, returned.text());
    }

    @Test
    void successNoticeIsRelayedWithHeadersOnly() {
        assertTrue(writer.write(original(new Dsn(List.of("FAILURE", "DELAY"), null, null)),
                List.of(relayed("bob@example.net")), 1, NOW).isEmpty());
        Mime.Entity m = message(writer.write(original(new Dsn(List.of("SUCCESS"), "FULL", null)),
                List.of(relayed("bob@example.net")), 1, NOW).orElseThrow());
        assertEquals("Successful Mail Delivery Report", m.header("Subject"));
        List<Mime.Entity> parts = Mime.parts(m);
        assertTrue(flat(parts.get(0).text()).contains("<bob@example.net>: delivery via mx.example.net[192.0.2.1]:25: 250 "
                + "2.0.0 Ok: queued as 4Xyz"), parts.get(0).text());
        Map<String, String> bob = Mime.statusGroups(parts.get(1).body()).get(1);
        assertEquals("relayed", bob.get("action"));
        assertEquals("2.0.0", bob.get("status"));
        assertEquals("smtp; 250 2.0.0 Ok: queued as 4Xyz", bob.get("diagnostic-code"));
        assertEquals("text/rfc822-headers", parts.get(2).type());
        assertEquals("Message Headers", parts.get(2).header("Content-Description"));
    }

    @Test
    void retHdrsReturnsTheHeaderSection() {
        Mime.Entity m = message(writer.write(original(new Dsn(null, "hdrs", null)), List.of(bounced("bob@example.net")),
                1, NOW).orElseThrow());
        List<Mime.Entity> parts = Mime.parts(m);
        assertTrue(flat(parts.get(0).text()).contains("as you asked (RET=HDRS)"), parts.get(0).text());
        assertEquals("text/rfc822-headers", parts.get(2).type());
        assertEquals("7bit", parts.get(2).header("Content-Transfer-Encoding"));
        assertEquals(HEADERS, parts.get(2).text());
    }

    @Test
    void largeMessagesReturnHeadersOnlyEvenWithRetFull() {
        String big = HEADERS + "\r\n" + "0123456789 ".repeat(20).concat("\r\n").repeat(10);
        byte[] content = big.getBytes(StandardCharsets.US_ASCII);
        DsnWriter small = new DsnWriter("mta1.warmwire.example", 1000);
        QueuedMessage o = original("alice@sender.example", new Dsn(null, "FULL", null), content);

        List<Mime.Entity> parts = Mime.parts(message(small.write(o, List.of(bounced("bob@example.net")), 1, NOW)
                .orElseThrow()));
        assertTrue(flat(parts.get(0).text()).contains("larger than 1000 bytes"), parts.get(0).text());
        assertEquals("text/rfc822-headers", parts.get(2).type());
        assertEquals(HEADERS, parts.get(2).text());

        DsnWriter unlimited = new DsnWriter("mta1.warmwire.example", 0);
        parts = Mime.parts(message(unlimited.write(o, List.of(bounced("bob@example.net")), 1, NOW).orElseThrow()));
        assertEquals("message/rfc822", parts.get(2).type());
        assertArrayEquals(content, parts.get(2).body());

        DsnWriter exact = new DsnWriter("mta1.warmwire.example", content.length);
        parts = Mime.parts(message(exact.write(o, List.of(bounced("bob@example.net")), 1, NOW).orElseThrow()));
        assertEquals("message/rfc822", parts.get(2).type(), "a message of exactly the limit is returned whole");
    }

    @Test
    void envidBecomesOriginalEnvelopeId() {
        Mime.Entity m = message(writer.write(original(new Dsn(null, null, "QQ314159")), List.of(bounced("bob@example.net")),
                1, NOW).orElseThrow());
        Map<String, String> perMessage = Mime.statusGroups(Mime.parts(m).get(1).body()).get(0);
        assertEquals("QQ314159", perMessage.get("original-envelope-id"));
        String firstField = new String(Mime.parts(m).get(1).body(), StandardCharsets.US_ASCII).split("\r\n")[0];
        assertTrue(firstField.startsWith("Original-Envelope-Id:"), "RFC 3464 order: Original-Envelope-Id first");
    }

    @Test
    void nullSenderAndNeverGetNothing() {
        QueuedMessage fromNull = original("", new Dsn(List.of("SUCCESS", "FAILURE", "DELAY"), "FULL", null),
                ORIGINAL.getBytes(StandardCharsets.US_ASCII));
        assertTrue(writer.write(fromNull, List.of(bounced("bob@example.net"), delayed("carol@example.org"),
                relayed("dan@example.com")), 1, NOW).isEmpty());
        assertTrue(writer.write(original(new Dsn(List.of("NEVER"), null, null)), List.of(bounced("bob@example.net")), 1,
                NOW).isEmpty());
        assertTrue(writer.write(original(null), List.of(), 1, NOW).isEmpty());
    }

    @Test
    void utf8RecipientIsXtextAndTheNoticeStaysSevenBit() {
        String rcpt = "jürgen+tag@bücher.example";
        QueuedMessage o = new QueuedMessage("m2", "alice@sender.example", List.of(rcpt),
                ORIGINAL.getBytes(StandardCharsets.US_ASCII), TlsLevel.MAY, null, null,
                null, 1, SUBMITTED);
        RecipientReport r = new RecipientReport(rcpt, Action.FAILED, "5.1.1",
                new SmtpReply(550, "5.1.1", "unknown user «jürgen»"), "mx.bücher.example[192.0.2.9]:25",
                null, ATTEMPT, null);
        byte[] raw = writer.write(o, List.of(r), 1, NOW).orElseThrow().content();
        for (byte b : raw) {
            assertTrue(b >= 0, "the notice must be 7-bit: an ASCII sender and an ASCII original");
        }
        Mime.Entity m = message(writer.write(o, List.of(r), 1, NOW).orElseThrow());
        assertNull(m.header("Content-Transfer-Encoding"));
        List<Mime.Entity> parts = Mime.parts(m);

        Mime.Entity text = parts.get(0);
        assertEquals("utf-8", text.param("Content-Type", "charset"));
        assertEquals("quoted-printable", text.header("Content-Transfer-Encoding"));
        String human = flat(new String(text.decoded(), StandardCharsets.UTF_8));
        assertTrue(human.contains("<" + rcpt + ">: host mx.bücher.example[192.0.2.9]:25 said: 550 5.1.1 unknown user «jürgen»"),
                human);

        Map<String, String> g = Mime.statusGroups(parts.get(1).body()).get(1);
        assertEquals("utf-8; j\\x{FC}rgen\\x{2B}tag@b\\x{FC}cher.example", g.get("final-recipient"));
        assertEquals("smtp; 550 5.1.1 unknown user \\x{AB}j\\x{FC}rgen\\x{BB}", g.get("diagnostic-code"));
        assertEquals("dns; mx.b\\x{FC}cher.example", g.get("remote-mta"));
    }

    @Test
    void utf8SenderGetsEightBitTextAndRawToHeader() {
        String sender = "ålice@sender.example";
        QueuedMessage o = original(sender, null, ORIGINAL.getBytes(StandardCharsets.US_ASCII));
        RecipientReport r = new RecipientReport("bob@example.net", Action.FAILED, "5.1.1",
                new SmtpReply(550, "5.1.1", "unknown user «bob»"), "mx.example.net[192.0.2.1]:25", null, ATTEMPT, null);
        QueuedMessage dsn = writer.write(o, List.of(r), 1, NOW).orElseThrow();
        assertEquals(List.of(sender), dsn.recipients());
        Mime.Entity m = message(dsn);
        assertEquals(sender, m.header("To"));
        assertEquals("8bit", m.header("Content-Transfer-Encoding"));
        List<Mime.Entity> parts = Mime.parts(m);
        assertEquals("8bit", parts.get(0).header("Content-Transfer-Encoding"));
        assertTrue(flat(parts.get(0).text()).contains("unknown user «bob»"));
        assertEquals("utf-8; \\x{E5}lice@sender.example", Mime.statusGroups(parts.get(1).body()).get(0)
                .get("x-warmwire-sender"));
    }

    @Test
    void utf8HeadersAreReturnedAsMessageGlobal() {
        String content = "From: Jürgen <jürgen@bücher.example>\r\nSubject: Grüße\r\n\r\nHallo\r\n";
        QueuedMessage o = original("alice@sender.example", null, content.getBytes(StandardCharsets.UTF_8));
        Mime.Entity m = message(writer.write(o, List.of(bounced("bob@example.net")), 1, NOW).orElseThrow());
        assertEquals("8bit", m.header("Content-Transfer-Encoding"));
        List<Mime.Entity> parts = Mime.parts(m);
        assertEquals("message/global", parts.get(2).type());
        assertEquals("8bit", parts.get(2).header("Content-Transfer-Encoding"));
        assertEquals(content, parts.get(2).text());

        m = message(writer.write(original("alice@sender.example", new Dsn(null, "HDRS", null),
                content.getBytes(StandardCharsets.UTF_8)), List.of(bounced("bob@example.net")), 1, NOW).orElseThrow());
        parts = Mime.parts(m);
        assertEquals("message/global-headers", parts.get(2).type());
        assertEquals("From: Jürgen <jürgen@bücher.example>\r\nSubject: Grüße\r\n", parts.get(2).text());
    }

    @Test
    void eightBitBodyIsMessageRfc822With8bit() {
        byte[] content = (HEADERS + "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n"
                + "\r\nGr\u00fc\u00dfe\r\n").getBytes(StandardCharsets.ISO_8859_1);
        Mime.Entity m = message(writer.write(original("alice@sender.example", null, content),
                List.of(bounced("bob@example.net")), 1, NOW).orElseThrow());
        assertEquals("8bit", m.header("Content-Transfer-Encoding"));
        List<Mime.Entity> parts = Mime.parts(m);
        assertEquals("message/rfc822", parts.get(2).type());
        assertEquals("8bit", parts.get(2).header("Content-Transfer-Encoding"));
        assertArrayEquals(content, parts.get(2).body());
        assertEquals("us-ascii", parts.get(0).param("Content-Type", "charset"));
        assertNull(parts.get(0).header("Content-Transfer-Encoding"));
    }

    @Test
    void longDiagnosticIsFoldedWithinLimits() {
        String words = "This mailbox has exceeded its storage quota and cannot accept new mail until the owner "
                .repeat(8).strip();
        String longWord = "x".repeat(1500);
        SmtpReply reply = new SmtpReply(552, "5.2.2", words + " " + longWord + " end  ");
        RecipientReport r = new RecipientReport("bob@example.net", Action.FAILED, "5.2.2", reply,
                "mx.example.net[192.0.2.1]:25", "host mx.example.net[192.0.2.1]:25 said: 552 5.2.2 " + reply.text(),
                ATTEMPT, null);
        Mime.Entity m = message(writer.write(original(null), List.of(r), 1, NOW).orElseThrow());
        byte[] status = Mime.parts(m).get(1).body();
        String raw = new String(status, StandardCharsets.US_ASCII);
        int folds = 0;
        for (String line : raw.split("\r\n")) {
            assertTrue(line.length() <= 998, "status line over 998: " + line.length());
            assertFalse(line.endsWith(" "), "trailing white space: " + line);
            if (!line.contains(longWord.substring(0, 100))) {
                assertTrue(line.length() <= 78, "foldable line over 78: " + line);
            }
            if (line.startsWith(" ")) {
                folds++;
            }
        }
        assertTrue(folds > 5, "the diagnostic is folded");
        String diag = Mime.statusGroups(status).get(1).get("diagnostic-code");
        assertTrue(diag.startsWith("smtp; 552 5.2.2 " + words + " "), diag);
        assertTrue(diag.replace(" ", "").endsWith(longWord + "end"), "the over-long word is only broken, nothing lost");
    }

    @Test
    void longLinesInTheOriginalReturnHeadersOnly() {
        byte[] content = (HEADERS + "\r\n" + "y".repeat(1200) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        List<Mime.Entity> parts = Mime.parts(message(writer.write(original("alice@sender.example", null, content),
                List.of(bounced("bob@example.net")), 1, NOW).orElseThrow()));
        assertEquals("text/rfc822-headers", parts.get(2).type());
        assertTrue(flat(parts.get(0).text()).contains("longer than 998 octets"), parts.get(0).text());
    }

    @Test
    void bareLineEndsOfTheOriginalBecomeCrlf() {
        byte[] content = "Subject: lf\nX-A: 1\r\rbody\nline\r\nlast".getBytes(StandardCharsets.US_ASCII);
        List<Mime.Entity> parts = Mime.parts(message(writer.write(original("alice@sender.example", null, content),
                List.of(bounced("bob@example.net")), 1, NOW).orElseThrow()));
        assertEquals("Subject: lf\r\nX-A: 1\r\n\r\nbody\r\nline\r\nlast\r\n", parts.get(2).text());
    }

    @Test
    void failedAndDelayedShareOneNotice() {
        QueuedMessage o = original(new Dsn(List.of("FAILURE", "DELAY"), null, null));
        Mime.Entity m = message(writer.write(o, List.of(delayed("carol@example.org"), bounced("bob@example.net")), 1, NOW)
                .orElseThrow());
        assertEquals("Undelivered Mail Returned to Sender", m.header("Subject"));
        List<Mime.Entity> parts = Mime.parts(m);
        String human = parts.get(0).text();
        int failedAt = human.indexOf("--- Delivery failed");
        int delayedAt = human.indexOf("--- Delivery is delayed");
        assertTrue(failedAt > 0 && delayedAt > failedAt, human);
        assertTrue(human.indexOf("<bob@example.net>") > failedAt && human.indexOf("<bob@example.net>") < delayedAt);
        assertTrue(human.indexOf("<carol@example.org>") > delayedAt);
        List<Map<String, String>> groups = Mime.statusGroups(parts.get(1).body());
        assertEquals("delayed", groups.get(1).get("action"), "status groups keep the caller's order");
        assertEquals("failed", groups.get(2).get("action"));
        assertEquals("message/rfc822", parts.get(2).type(), "a failure notice returns the message");

        QueuedMessage onlyFailure = original(new Dsn(List.of("FAILURE"), null, null));
        List<Map<String, String>> filtered = Mime.statusGroups(Mime.parts(message(writer.write(onlyFailure,
                List.of(delayed("carol@example.org"), bounced("bob@example.net")), 1, NOW).orElseThrow())).get(1).body());
        assertEquals(2, filtered.size(), "the delayed recipient not asked for is left out");
        assertEquals("rfc822; bob@example.net", filtered.get(1).get("final-recipient"));
    }

    @Test
    void missingBodyLeavesOutThePart() {
        List<Mime.Entity> parts = Mime.parts(message(writer.write(original("alice@sender.example", null, null),
                List.of(bounced("bob@example.net")), 1, NOW).orElseThrow()));
        assertEquals(2, parts.size());
        assertTrue(flat(parts.get(0).text()).contains("could not be attached"));
    }

    @Test
    void boundaryNeverOccursInTheContent() {
        String first = DsnWriter.boundary("m1.dsn.1");
        byte[] content = (HEADERS + "\r\n--" + first + "\r\nfake part\r\n").getBytes(StandardCharsets.US_ASCII);
        Mime.Entity m = message(writer.write(original("alice@sender.example", null, content),
                List.of(bounced("bob@example.net")), 1, NOW).orElseThrow());
        String boundary = m.param("Content-Type", "boundary");
        assertEquals(first + ".1", boundary);
        List<Mime.Entity> parts = Mime.parts(m);
        assertEquals(3, parts.size());
        assertArrayEquals(content, parts.get(2).body());
    }

    @Test
    void messageIdLeftIsADotAtom() {
        assertEquals("m1.dsn.1", DsnWriter.idLeft("m1.dsn.1"));
        assertEquals("%2Ea%3Cb%3E%40c%25d.%2Edsn.2", DsnWriter.idLeft(".a<b>@c%d..dsn.2"));
        assertEquals("a%2E", DsnWriter.idLeft("a."));
    }
}
