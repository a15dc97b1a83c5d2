package warmwire.contracts.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import warmwire.contracts.control.ControlState;
import warmwire.contracts.mail.MailFrame;
import warmwire.contracts.mail.QueuedMessage;
import warmwire.contracts.outcome.DeliveryOutcome;
import warmwire.contracts.outcome.Status;
import warmwire.contracts.route.DeliveryJob;
import warmwire.contracts.text.BoundedText;

class RecordChecksTest {
    private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");
    private static final RecordLimits L = RecordLimits.DEFAULT;

    private static String reasonOf(Checked<?> c) {
        assertFalse(c.isValid(), "expected invalid");
        assertNotNull(c.reason());
        return c.reason();
    }

    @Test
    void validRecordsOfEveryTopicPass() {
        Checked<QueuedMessage> q = QueuedMessageCheck.check(Samples.queued("m1", "a@tls.test", NOW, NOW), L, NOW);
        assertTrue(q.isValid(), q.reason());
        assertEquals(NOW, q.value().notBefore());
        assertEquals(2, q.value().attempt());
        Checked<DeliveryJob> j = DeliveryJobCheck.check(Samples.job("m1", "a@tls.test", "mx.test", 25, NOW), L, NOW);
        assertTrue(j.isValid(), j.reason());
        assertEquals("mx.test:25/may", j.value().site().key());
        Checked<DeliveryOutcome> o = DeliveryOutcomeCheck.check(Samples.outcome("m1", "a@tls.test", "delivered", NOW), L, NOW);
        assertTrue(o.isValid(), o.reason());
        assertEquals(Status.DELIVERED, o.value().results().get(0).status());
        Checked<ControlState> c = ControlStateCheck.check("site:x", Samples.control("site:x", NOW), NOW);
        assertTrue(c.isValid(), c.reason());
    }

    @Test
    void aSiteUnderAPublishedPolicyKeepsItsSourceInItsKeyAndAnUnknownSourceIsRefused() {
        String job = Samples.job("m1", "a@sts.test", "mx.sts.test", 25, NOW)
                .replace("\"tls\":\"may\"},", "\"tls\":\"verify\",\"policy\":\"mta-sts\"},");
        Checked<DeliveryJob> j = DeliveryJobCheck.check(job, L, NOW);
        assertTrue(j.isValid(), j.reason());
        assertEquals("mx.sts.test:25/verify/mta-sts", j.value().site().key());
        assertEquals("site.policy: unknown value 'dane-ish'",
                reasonOf(DeliveryJobCheck.check(job.replace("mta-sts", "dane-ish"), L, NOW)));
        String outcome = Samples.outcome("m1", "a@sts.test", "delivered", NOW)
                .replace("\"verified\":false}", "\"verified\":true,\"level\":\"verify\",\"policy\":\"mta-sts\"}");
        Checked<DeliveryOutcome> o = DeliveryOutcomeCheck.check(outcome, L, NOW);
        assertTrue(o.isValid(), o.reason());
        assertEquals(warmwire.contracts.mail.PolicySource.MTA_STS, o.value().tls().policy());
    }

    @Test
    void aSiteOfAProviderIsKeyedByTheProviderAndABadProviderNameIsRefused() {
        String job = Samples.job("m1", "a@gmail.test", "aspmx.l.google.com", 25, NOW)
                .replace("\"tls\":\"may\"},", "\"tls\":\"may\",\"provider\":\"google\"},");
        Checked<DeliveryJob> j = DeliveryJobCheck.check(job, L, NOW);
        assertTrue(j.isValid(), j.reason());
        assertEquals("google", j.value().site().provider());
        assertEquals("aspmx.l.google.com:25/may", j.value().site().key(), "the provider is not part of the site key");
        assertEquals("provider:google", j.value().site().shardKey());
        assertEquals("aspmx.l.google.com:25/may", j.value().site().withProvider(null).shardKey());
        assertEquals("site.provider: not a provider name (lower-case letters, digits, '-')",
                reasonOf(DeliveryJobCheck.check(job.replace("\"google\"", "\"Goo gle\""), L, NOW)));
    }

    @Test
    void framedMessagesCarryTheirBodyAsRawBytesAndTheOlderJsonFormStillPasses() {
        byte[] body = "Subject: hi\r\n\r\n\u00e9t\u00e9 8-bit\r\n".getBytes(StandardCharsets.UTF_8);
        String envelope = Samples.queued("m1", "a@tls.test", NOW, NOW).replace(
                "\"contentBase64\":\"U3ViamVjdDogaGkNCg0KaGVsbG8NCg==\",", "");
        Checked<QueuedMessage> q = QueuedMessageCheck.check(
                MailFrame.write(envelope.getBytes(StandardCharsets.UTF_8), body), L, NOW);
        assertTrue(q.isValid(), q.reason());
        assertEquals(new String(body, StandardCharsets.UTF_8), new String(q.value().content(), StandardCharsets.UTF_8));
        String jobEnvelope = Samples.job("m1", "a@tls.test", "mx.test", 25, NOW).replace(
                "\"contentBase64\":\"U3ViamVjdDogaGkNCg0KaGVsbG8NCg==\",", "");
        Checked<DeliveryJob> j = DeliveryJobCheck.check(MailFrame.write(jobEnvelope.getBytes(StandardCharsets.UTF_8), body),
                L, NOW);
        assertTrue(j.isValid(), j.reason());
        assertEquals(body.length, j.value().content().length);
        // the older form: the body base64 inside the JSON
        Checked<QueuedMessage> old = QueuedMessageCheck.check(Samples.queued("m1", "a@tls.test", NOW, NOW), L, NOW);
        assertEquals("Subject: hi\r\n\r\nhello\r\n", new String(old.value().content(), StandardCharsets.US_ASCII));
        assertTrue(reasonOf(QueuedMessageCheck.check(Samples.queued("m1", "a@tls.test", NOW, NOW)
                .replace("U3ViamVjdDogaGkNCg0KaGVsbG8NCg==", "not base64!"), L, NOW)).startsWith("contentBase64: not base64"));
        // a frame whose length lies, or that is cut, is refused with a reason
        byte[] framed = MailFrame.write(envelope.getBytes(StandardCharsets.UTF_8), body);
        byte[] cut = java.util.Arrays.copyOf(framed, 10);
        assertTrue(reasonOf(QueuedMessageCheck.check(cut, L, NOW)).startsWith("value: envelope length"));
        framed[4] = (byte) 0x7f; // the envelope's length now says more than there is
        assertTrue(reasonOf(QueuedMessageCheck.check(framed, L, NOW)).startsWith("value: envelope length"));
    }

    @Test
    void knownPoisonOutcomeWithoutStatusIsRefusedWithItsField() {
        String r = reasonOf(DeliveryOutcomeCheck.check("{\"messageId\":\"x\",\"results\":[{\"recipient\":\"a@b\"}]}", L, NOW));
        assertEquals("results[0].status: missing", r);
    }

    @Test
    void nullEndpointAndNullRecipientOfAJobAreRefused() {
        String job = Samples.job("m1", "a@tls.test", "mx.test", 25, NOW);
        assertEquals("endpoints[0]: null", reasonOf(DeliveryJobCheck.check(
                job.replaceFirst("\"endpoints\":\\[\\{[^]]*\\]", "\"endpoints\":[null]"), L, NOW)));
        assertEquals("recipients[0]: null", reasonOf(DeliveryJobCheck.check(
                job.replace("\"recipients\":[\"a@tls.test\"]", "\"recipients\":[null]"), L, NOW)));
        assertEquals("endpoints: empty", reasonOf(DeliveryJobCheck.check(
                job.replaceFirst("\"endpoints\":\\[\\{[^]]*\\]", "\"endpoints\":[]"), L, NOW)));
        assertEquals("endpoints[0].address: not an IP address literal", reasonOf(DeliveryJobCheck.check(
                job.replace("\"address\":\"127.0.0.1\"", "\"address\":\"evil.example\""), L, NOW)));
        assertEquals("site.port: 0 out of range 1..65535", reasonOf(DeliveryJobCheck.check(
                job.replace("\"port\":25,\"tls\"", "\"port\":0,\"tls\""), L, NOW)));
    }

    @Test
    void notJsonAndNotAnObjectAreRefused() {
        assertTrue(reasonOf(QueuedMessageCheck.check("not json", L, NOW)).startsWith("value: not JSON"));
        assertEquals("value: not a JSON object but array", reasonOf(QueuedMessageCheck.check("[1]", L, NOW)));
        assertEquals("value: null", reasonOf(QueuedMessageCheck.check((byte[]) null, L, NOW)));
        assertTrue(reasonOf(QueuedMessageCheck.check(new byte[] {(byte) 0xff, (byte) 0xfe, 0x7b}, L, NOW))
                .startsWith("value: not JSON"));
        assertTrue(reasonOf(QueuedMessageCheck.check("{\"id\":\"a\",\"id\":\"b\"}", L, NOW)).contains("Duplicate field"));
        assertTrue(reasonOf(QueuedMessageCheck.check(Samples.queued("m", "a@b", NOW, null) + "{}", L, NOW))
                .startsWith("value: not JSON"));
    }

    @Test
    void wrongTypesAreRefusedNotCoerced() {
        String q = Samples.queued("m1", "a@tls.test", NOW, null);
        assertEquals("attempt: not a number but string", reasonOf(QueuedMessageCheck.check(q.replace("\"attempt\":2", "\"attempt\":\"2\""), L, NOW)));
        assertEquals("attempt: not a whole number in range: 2.5", reasonOf(QueuedMessageCheck.check(q.replace("\"attempt\":2", "\"attempt\":2.5"), L, NOW)));
        assertEquals("id: not a string but number", reasonOf(QueuedMessageCheck.check(q.replace("\"id\":\"m1\"", "\"id\":1"), L, NOW)));
        assertEquals("delayNotified: not a boolean but string", reasonOf(QueuedMessageCheck.check(q.replace("\"delayNotified\":false", "\"delayNotified\":\"no\""), L, NOW)));
        assertEquals("recipients: not a list but string", reasonOf(QueuedMessageCheck.check(q.replace("[\"a@tls.test\"]", "\"a@tls.test\""), L, NOW)));
        assertEquals("tls: unknown value 'maybe'", reasonOf(QueuedMessageCheck.check(q.replace("\"tls\":\"may\"", "\"tls\":\"maybe\""), L, NOW)));
        assertEquals("dsn: not an object but string", reasonOf(QueuedMessageCheck.check(q.replace("{\"notify\":[\"FAILURE\"],\"ret\":\"HDRS\"}", "\"x\""), L, NOW)));
    }

    @Test
    void missingAndNullRequiredFieldsAreNamed() {
        String q = Samples.queued("m1", "a@tls.test", NOW, null);
        assertEquals("id: missing", reasonOf(QueuedMessageCheck.check(q.replace("\"id\":\"m1\",", ""), L, NOW)));
        assertEquals("id: null", reasonOf(QueuedMessageCheck.check(q.replace("\"id\":\"m1\"", "\"id\":null"), L, NOW)));
        assertEquals("id: blank", reasonOf(QueuedMessageCheck.check(q.replace("\"id\":\"m1\"", "\"id\":\" \""), L, NOW)));
        assertEquals("contentBase64: missing", reasonOf(QueuedMessageCheck.check(q.replaceFirst("\"contentBase64\":\"[^\"]*\",", ""), L, NOW)));
        assertEquals("attempt: missing", reasonOf(QueuedMessageCheck.check(q.replace("\"attempt\":2,", ""), L, NOW)));
        assertEquals("recipients: empty", reasonOf(QueuedMessageCheck.check(q.replace("[\"a@tls.test\"]", "[]"), L, NOW)));
        // optional fields may be absent
        assertTrue(QueuedMessageCheck.check(q.replace("\"tenant\":\"t\",", "").replace(",\"delayNotified\":false", ""), L, NOW).isValid());
    }

    @Test
    void absurdSizesAreRefused() {
        String q = Samples.queued("m1", "a@tls.test", NOW, null);
        assertEquals("recipients[0]: 600 characters, more than 512",
                reasonOf(QueuedMessageCheck.check(q.replace("a@tls.test", "a".repeat(590) + "@tls.test0"), L, NOW)));
        assertEquals("id: 2000 characters, more than 1024",
                reasonOf(QueuedMessageCheck.check(q.replace("\"id\":\"m1\"", "\"id\":\"" + "i".repeat(2000) + "\""), L, NOW)));
        StringBuilder many = new StringBuilder("[");
        for (int i = 0; i < 1001; i++) {
            many.append(i == 0 ? "" : ",").append("\"r").append(i).append("@tls.test\"");
        }
        assertEquals("recipients: 1001 elements, more than 1000",
                reasonOf(QueuedMessageCheck.check(q.replace("[\"a@tls.test\"]", many + "]"), L, NOW)));
        assertTrue(QueuedMessageCheck.check(q.replace("[\"a@tls.test\"]", many + "]"), new RecordLimits(2000), NOW).isValid());
        String deep = "{\"id\":" + "[".repeat(100) + "]".repeat(100) + "}";
        assertTrue(reasonOf(QueuedMessageCheck.check(deep, L, NOW)).startsWith("value: not JSON"));
    }

    @Test
    void datesOutOfRangeAreRefusedNotBeforeIncluded() {
        String far = Samples.queued("m1", "a@tls.test", NOW, NOW.plus(Duration.ofDays(400)));
        assertTrue(reasonOf(QueuedMessageCheck.check(far, L, NOW)).startsWith("notBefore: 2028-"));
        assertTrue(QueuedMessageCheck.check(Samples.queued("m1", "a@tls.test", NOW, NOW.plus(Duration.ofDays(300))), L, NOW).isValid());
        String past = Samples.queued("m1", "a@tls.test", Instant.parse("1999-12-31T00:00:00Z"), null);
        assertTrue(reasonOf(QueuedMessageCheck.check(past, L, NOW)).startsWith("submittedAt: 1999-12-31"));
        String notTime = Samples.queued("m1", "a@tls.test", NOW, null).replace("\"submittedAt\":\"" + NOW + "\"", "\"submittedAt\":\"yesterday\"");
        assertEquals("submittedAt: not an ISO-8601 time: yesterday", reasonOf(QueuedMessageCheck.check(notTime, L, NOW)));
        String epoch = Samples.queued("m1", "a@tls.test", NOW, null).replace("\"" + NOW + "\"", String.valueOf(NOW.getEpochSecond()) + ".5");
        Checked<QueuedMessage> e = QueuedMessageCheck.check(epoch, L, NOW);
        assertTrue(e.isValid(), e.reason());
        assertEquals(NOW.plusMillis(500), e.value().submittedAt());
    }

    @Test
    void outcomeReplyCodesEnumsAndTexts() {
        String o = Samples.outcome("m1", "a@b.test", "deferred", NOW);
        assertEquals("results[0].smtp.code: 600 out of range 200..599", reasonOf(DeliveryOutcomeCheck.check(o.replace("\"code\":250", "\"code\":600"), L, NOW)));
        assertEquals("results[0].smtp.code: 199 out of range 200..599", reasonOf(DeliveryOutcomeCheck.check(o.replace("\"code\":250", "\"code\":199"), L, NOW)));
        assertEquals("results[0].status: unknown value 'sent'", reasonOf(DeliveryOutcomeCheck.check(o.replace("\"deferred\"", "\"sent\""), L, NOW)));
        assertEquals("results[0].dsn: not an enhanced status code", reasonOf(DeliveryOutcomeCheck.check(o.replace("\"dsn\":\"2.0.0\"", "\"dsn\":\"9.9\""), L, NOW)));
        assertEquals("results[0]: null", reasonOf(DeliveryOutcomeCheck.check(o.replaceFirst("\\{\"recipient\".*?\"dsn\":\"2.0.0\"\\}", "null"), L, NOW)));
        assertEquals("delays.queue: -1 out of range 0.0..3.16224E7", reasonOf(DeliveryOutcomeCheck.check(o.replace("\"queue\":0.01", "\"queue\":-1"), L, NOW)));
        String longText = "t".repeat(5000);
        Checked<DeliveryOutcome> cut = DeliveryOutcomeCheck.check(o.replace("\"text\":\"Ok\"", "\"text\":\"" + longText + "\""), L, NOW);
        assertTrue(cut.isValid(), cut.reason());
        String text = cut.value().results().get(0).smtp().text();
        assertEquals(BoundedText.MAX_REPLY_TEXT, text.length());
        assertTrue(BoundedText.truncated(text));
        String huge = "t".repeat(70 * 1024);
        assertEquals("results[0].smtp.text: 71680 characters, more than 65536",
                reasonOf(DeliveryOutcomeCheck.check(o.replace("\"text\":\"Ok\"", "\"text\":\"" + huge + "\""), L, NOW)));
        String pending = o.replace(",\"timestamp\"", ",\"pending\":{\"id\":\"m1\",\"from\":\"\",\"recipients\":[null],"
                + "\"contentBase64\":\"\",\"attempt\":1},\"timestamp\"");
        assertEquals("pending.recipients[0]: null", reasonOf(DeliveryOutcomeCheck.check(pending, L, NOW)));
    }

    @Test
    void controlKeysValuesAndTombstones() {
        assertEquals("key: null", reasonOf(ControlStateCheck.check(null, "{}", NOW)));
        assertEquals("key: not all, message:<id> or site:<site>", reasonOf(ControlStateCheck.check("garbage", "{}", NOW)));
        assertEquals("key: nothing after 'site:'", reasonOf(ControlStateCheck.check("site:", "{}", NOW)));
        Checked<ControlState> tomb = ControlStateCheck.check("message:m1", (String) null, NOW);
        assertTrue(tomb.isValid());
        assertFalse(tomb.value().held());
        assertEquals("held: not a boolean but string", reasonOf(ControlStateCheck.check("message:m1", "{\"held\":\"yes\"}", NOW)));
        assertEquals("key: differs from the record key", reasonOf(ControlStateCheck.check("message:m1", "{\"key\":\"message:m2\"}", NOW)));
        assertTrue(reasonOf(ControlStateCheck.check("all", "{\"retryRequestedAt\":\"9999-01-01T00:00:00Z\"}", NOW))
                .startsWith("retryRequestedAt: "));
        Checked<ControlState> reason = ControlStateCheck.check("all", "{\"reason\":\"" + "r".repeat(3000) + "\"}", NOW);
        assertEquals(BoundedText.MAX_REASON, reason.value().reason().length());
    }

    @Test
    void deadLetterKeepsTextOrBase64AndItsBounds() throws Exception {
        InternalDeadLetter t = InternalDeadLetter.of("mail.outcome", 3, 42, "k", "queue-service", "results[0].status: missing",
                "{\"x\":1}", NOW);
        assertEquals("{\"x\":1}", t.value());
        assertNull(t.valueBase64());
        assertFalse(t.truncated());
        com.fasterxml.jackson.databind.JsonNode n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(t.json());
        assertEquals("mail.outcome", n.get("topic").asText());
        assertEquals(42, n.get("offset").asLong());
        assertEquals("queue-service", n.get("service").asText());
        assertEquals("results[0].status: missing", n.get("reason").asText());
        assertEquals(NOW.toString(), n.get("timestamp").asText());
        InternalDeadLetter b = InternalDeadLetter.of("mail.deliver", 0, 1, null, "s", "r", new byte[] {(byte) 0xff, 0x00}, NOW);
        assertNull(b.value());
        assertEquals("/wA=", b.valueBase64());
        byte[] big = ("é".repeat(40_000)).getBytes(StandardCharsets.UTF_8); // 80000 bytes, cut inside a character
        InternalDeadLetter c = InternalDeadLetter.of("mail.route", 0, 1, null, "s", "r", big, NOW);
        assertTrue(c.truncated());
        assertEquals(80_000, c.valueBytes());
        assertEquals(InternalDeadLetter.MAX_VALUE / 2, c.value().length());
        assertEquals(BoundedText.MAX_REASON, InternalDeadLetter.of("t", 0, 0, null, "s", "r".repeat(5000), "v", NOW).reason().length());
    }
}
