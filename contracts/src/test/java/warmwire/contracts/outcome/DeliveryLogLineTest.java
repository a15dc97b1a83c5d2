package warmwire.contracts.outcome;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import warmwire.contracts.mail.PolicySource;
import warmwire.contracts.mail.TlsLevel;

class DeliveryLogLineTest {
    private static final Instant T = Instant.parse("2026-11-28T10:00:00Z");

    @Test
    void sentLineInPostfixShape() {
        DeliveryEvent e = new DeliveryEvent("m1", "alice@example.com", Status.DELIVERED, 1, "mx1.example.com:25/may",
                "mx1.example.com[192.0.2.1]:25", new SmtpReply(250, "2.0.0", "Ok: queued as 4Xyz"), "2.0.0",
                new TlsInfo("TLSv1.3", "TLS_AES_256_GCM_SHA384", false, false), 3, new Delays(0.01, 0.002, 0, 0.0345),
                T, null);
        assertEquals("m1: to=<alice@example.com>, relay=mx1.example.com[192.0.2.1]:25, conn_use=3, delay=0.05, "
                + "delays=0.01/0/0/0.03, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4Xyz)", DeliveryLogLine.format(e));
    }

    @Test
    void theTlsLevelAndItsSourceArePrinted() {
        DeliveryEvent e = new DeliveryEvent("m2", "bob@example.com", Status.DELIVERED, 1, "mx.example.com:25/verify/mta-sts",
                "mx.example.com[192.0.2.1]:25", new SmtpReply(250, "2.0.0", "Ok"), "2.0.0",
                new TlsInfo("TLSv1.3", "TLS_AES_256_GCM_SHA384", false, true, TlsLevel.VERIFY, PolicySource.MTA_STS), 1,
                null, T, null);
        assertEquals("m2: to=<bob@example.com>, relay=mx.example.com[192.0.2.1]:25, tls=verify/mta-sts, dsn=2.0.0, "
                + "status=sent (250 2.0.0 Ok)", DeliveryLogLine.format(e));
    }

    @Test
    void remoteAndClientTextCannotForgeALineAndIsBounded() {
        DeliveryEvent e = new DeliveryEvent("id\nm9: to=<x@y>, status=sent (250 ok)", "a@b.c", Status.DELIVERED, 1,
                null, "mx[192.0.2.1]:25", new SmtpReply(250, "2.0.0", "Ok\r\n\u001b[31mred\\" + "x".repeat(3000)),
                "2.0.0", null, 1, null, T, null);
        String line = DeliveryLogLine.format(e);
        assertEquals(-1, line.indexOf('\n'));
        assertEquals(-1, line.indexOf('\r'));
        assertEquals(-1, line.indexOf('\u001b'));
        assertTrue(line.startsWith("id\\nm9: to=<x@y>, status=sent (250 ok): to=<a@b.c>"), line);
        assertTrue(line.contains("(250 2.0.0 Ok\\r\\n\\x1b[31mred\\\\xxx"), line);
        assertTrue(line.length() < 1300, "reply text bounded: " + line.length());
        DeliveryEvent bounced = new DeliveryEvent("m", "a@b.c", Status.BOUNCED, 1, null, "none", null, "5.1.2", null, 0,
                null, T, "r\u0085" + "y".repeat(5000));
        String b = DeliveryLogLine.format(bounced);
        assertTrue(b.contains("(r\\x85yyy"), b);
        assertTrue(b.length() < 1300, "reason bounded: " + b.length());
    }

    @Test
    void bouncedAndDeferredUseReasonAndDefaultDsn() {
        DeliveryEvent bounced = new DeliveryEvent("m2", "bob@example.net", Status.BOUNCED, 1, null, "none", null, "5.1.2", null, 0,
                Delays.NONE, T, "Host or domain name not found");
        assertEquals("m2: to=<bob@example.net>, relay=none, delay=0, delays=0/0/0/0, dsn=5.1.2, "
                + "status=bounced (Host or domain name not found)", DeliveryLogLine.format(bounced));
        DeliveryEvent deferred = new DeliveryEvent("m3", "c@d.e", Status.DEFERRED, 2, null, "h[1.2.3.4]:25",
                new SmtpReply(450, "4.2.1", "try again later"), null, null, 1, null, T, "host h said: 450 4.2.1 try again later");
        assertEquals("m3: to=<c@d.e>, relay=h[1.2.3.4]:25, dsn=4.2.1, status=deferred (host h said: 450 4.2.1 try again later)",
                DeliveryLogLine.format(deferred));
    }

    @Test
    void everyResultBecomesOneEvent() {
        DeliveryOutcome o = new DeliveryOutcome("m4", "m4/1/s", 1, "s", "r", List.of(
                new RecipientResult("a@x.y", Status.DELIVERED, new SmtpReply(250, null, "ok"), null, null),
                new RecipientResult("b@x.y", Status.BOUNCED, new SmtpReply(550, "5.1.1", "no"), "5.1.1", "no such user")),
                null, 1, Delays.NONE, T);
        List<DeliveryEvent> events = DeliveryEvent.ofOutcome(o, warmwire.contracts.classify.ReplyRules.defaults());
        assertEquals(2, events.size());
        assertEquals(Status.DELIVERED, events.get(0).status());
        assertEquals(null, events.get(0).reason());
        assertEquals("no such user", events.get(1).reason());
        assertEquals("m4", events.get(1).id());
        assertEquals("2.0.0", events.get(0).dsn(), "class default when neither server nor Warmwire gave a code");
        assertEquals("5.1.1", events.get(1).dsn());
    }

    /** The delay format before it was made cheap: String.format and a regex. */
    private static String secondsByFormat(double s) {
        if (s < 0.005) {
            return "0";
        }
        String v = String.format(java.util.Locale.ROOT, "%.2f", s);
        v = v.replaceAll("0+$", "");
        return v.endsWith(".") ? v.substring(0, v.length() - 1) : v;
    }

    @Test
    void delaysPrintAsStringFormatPrintedThem() {
        java.util.Random random = new java.util.Random(42);
        for (int i = 0; i < 200_000; i++) {
            double[] values = {i / 1000.0, i / 100.0 + 0.005, i * 0.001 + 0.0049999, random.nextDouble() * 10,
                    random.nextDouble() * 100_000, random.nextDouble() / 10};
            for (double v : values) {
                assertEquals(secondsByFormat(v), DeliveryLogLine.seconds(v), () -> "delay " + v);
            }
        }
        for (double v : new double[] {0.005, 0.015, 0.125, 0.135, 1.005, 2.675, 1e9, 0.1 + 0.2,
                Double.MAX_VALUE, Double.POSITIVE_INFINITY, Double.NaN}) {
            assertEquals(secondsByFormat(v), DeliveryLogLine.seconds(v), () -> "delay " + v);
        }
    }
}
