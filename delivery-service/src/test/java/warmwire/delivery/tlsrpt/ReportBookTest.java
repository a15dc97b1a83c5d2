package warmwire.delivery.tlsrpt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import warmwire.contracts.tlsrpt.TlsPolicyRef;
import warmwire.contracts.tlsrpt.TlsResult;

/** Counting per period and domain, when a period is due, what offsets its reports commit, and the RFC 8460 JSON. */
class ReportBookTest {
    private static final long DAY = 86_400_000L;
    private static final long D1 = Instant.parse("2026-12-05T00:00:00Z").toEpochMilli();
    private static final TlsPolicyRef STS = new TlsPolicyRef("example.test", "sts",
            List.of("version: STSv1", "mode: enforce", "mx: *.example.test", "max_age: 86400"));
    private static final TlsPolicyRef TLSA = new TlsPolicyRef("dane.test", "tlsa", List.of("3 1 1 abcd"));

    private static TlsResult ok(TlsPolicyRef ref) {
        return TlsResult.of(ref, "mx1." + ref.domain(), "192.0.2.1", TlsResult.SUCCESS, null);
    }

    private static TlsResult bad(TlsPolicyRef ref, String type) {
        return TlsResult.of(ref, "mx2." + ref.domain(), "192.0.2.2", type, "why " + type);
    }

    @Test
    void aPeriodIsDueAfterItsEndAndTheGraceAndCommitsWhereTheNextBegins() {
        ReportBook b = new ReportBook(DAY, 100);
        b.add(0, 10, D1 + 1000, ok(STS));
        b.add(0, 11, D1 + 2000, bad(STS, TlsResult.CERTIFICATE_HOST_MISMATCH));
        b.add(1, 5, D1 + 3000, ok(TLSA));
        b.add(0, 12, D1 + DAY + 10, ok(STS)); // the next day
        long grace = 900_000;
        assertTrue(b.due(D1 + DAY + grace - 1, grace).isEmpty(), "not before the grace is over");
        assertEquals(List.of(b.period(D1)), b.due(D1 + DAY + grace, grace));
        ReportBook.Closed c = b.close(b.period(D1));
        assertEquals(Set.of("example.test", "dane.test"), c.domains().keySet());
        ReportBook.PolicyCounts sts = c.domains().get("example.test").get(0);
        assertEquals(1, sts.success);
        assertEquals(1, sts.failure);
        // partition 0 has a record of the next day at 12: commit 12, not the position; partition 1: the position
        assertEquals(Map.of(0, 12L, 1, 6L), b.commitOffsets(Set.of(0, 1), tp -> tp == 0 ? 13L : 6L));
    }

    @Test
    void aLateResultCountsAfterTheLastClosedPeriodAndDomainsAreBounded() {
        ReportBook b = new ReportBook(DAY, 1);
        b.add(0, 1, D1, ok(STS));
        b.close(b.period(D1));
        b.add(1, 2, D1 + 5, ok(STS)); // stamped in the closed day, read after it closed
        assertEquals(List.of(b.period(D1 + DAY)), b.due(D1 + 3 * DAY, 0), "counted in the next day");
        b.add(1, 3, D1 + DAY, ok(TLSA)); // a second domain of that day: beyond the bound
        assertEquals(1, b.overflow());
        assertEquals(Set.of("example.test"), b.close(b.period(D1 + DAY)).domains().keySet());
    }

    @Test
    void periodsFollowOffsetsOnAPartitionSoTheCommittedOffsetIsExact() {
        ReportBook b = new ReportBook(DAY, 100);
        b.add(0, 10, D1, ok(STS));
        b.add(0, 11, D1 + DAY, ok(STS)); // day 2 begins at offset 11 ...
        b.add(0, 12, D1 + 7, bad(STS, TlsResult.VALIDATION_FAILURE)); // ... so this one counts in day 2 too
        ReportBook.Closed day1 = b.close(b.period(D1));
        assertEquals(1, day1.domains().get("example.test").get(0).success);
        assertEquals(0, day1.domains().get("example.test").get(0).failure);
        assertEquals(Map.of(0, 11L), b.commitOffsets(Set.of(0), tp -> 13L));
        String metadata = b.commitMetadata();

        // a restart reads from offset 11 with the closed day from the commit: the same counts
        ReportBook again = new ReportBook(DAY, 100);
        again.closedAtLeast(metadata);
        again.add(0, 11, D1 + DAY, ok(STS));
        again.add(0, 12, D1 + 7, bad(STS, TlsResult.VALIDATION_FAILURE));
        ReportBook.PolicyCounts day2 = again.close(again.period(D1 + DAY)).domains().get("example.test").get(0);
        assertEquals(1, day2.success);
        assertEquals(1, day2.failure);
        again.closedAtLeast("not ours");
        assertEquals("closed=" + again.period(D1 + DAY), again.commitMetadata());
    }

    @Test
    void theReportIsRfc8460Json() throws Exception {
        ReportBook b = new ReportBook(DAY, 100);
        b.add(0, 1, D1, ok(STS));
        b.add(0, 2, D1, ok(STS));
        b.add(0, 3, D1, bad(STS, TlsResult.STARTTLS_NOT_SUPPORTED));
        ReportBook.Closed c = b.close(b.period(D1));
        ObjectMapper json = new ObjectMapper();
        JsonNode r = new TlsReportWriter(json, "Warmwire Test", "postmaster@sender.test")
                .report("example.test", Instant.ofEpochMilli(D1), Instant.ofEpochMilli(D1 + DAY), c.domains().get("example.test"));
        assertEquals("Warmwire Test", r.path("organization-name").asText());
        assertEquals("2026-12-05T00:00:00Z", r.path("date-range").path("start-datetime").asText());
        assertEquals("2026-12-05T23:59:59Z", r.path("date-range").path("end-datetime").asText());
        assertEquals("postmaster@sender.test", r.path("contact-info").asText());
        assertEquals("2026-12-05T00:00:00Z_example.test@Warmwire Test", r.path("report-id").asText());
        JsonNode p = r.path("policies").get(0);
        assertEquals("sts", p.path("policy").path("policy-type").asText());
        assertEquals("mode: enforce", p.path("policy").path("policy-string").get(1).asText());
        assertEquals("example.test", p.path("policy").path("policy-domain").asText());
        assertEquals("*.example.test", p.path("policy").path("mx-host").get(0).asText());
        assertEquals(2, p.path("summary").path("total-successful-session-count").asLong());
        assertEquals(1, p.path("summary").path("total-failure-session-count").asLong());
        JsonNode f = p.path("failure-details").get(0);
        assertEquals("starttls-not-supported", f.path("result-type").asText());
        assertEquals("mx2.example.test", f.path("receiving-mx-hostname").asText());
        assertEquals("192.0.2.2", f.path("receiving-ip").asText());
        assertEquals(1, f.path("failed-session-count").asLong());
        assertEquals("why starttls-not-supported", f.path("failure-reason-code").asText());
        assertTrue(f.path("additional-information").isMissingNode(), "a URI in RFC 8460, not text");
    }

    @Test
    void theRuaOfTheOneTlsrptRecord() {
        assertEquals("mailto:tlsrpt@example.test", TlsRptRecord.rua(List.of("v=TLSRPTv1; rua=mailto:tlsrpt@example.test")));
        assertEquals("mailto:a@x.test,https://r.x.test/v1", TlsRptRecord.rua(List.of("v=spf1 -all",
                "v=TLSRPTv1;rua=mailto:a@x.test,https://r.x.test/v1")));
        assertEquals(null, TlsRptRecord.rua(List.of("v=TLSRPTv1; rua=ftp://x")));
        assertEquals(null, TlsRptRecord.rua(List.of("v=TLSRPTv1; rua=mailto:a@x", "v=TLSRPTv1; rua=mailto:b@x")));
        assertEquals(null, TlsRptRecord.rua(List.of()));
    }
}
