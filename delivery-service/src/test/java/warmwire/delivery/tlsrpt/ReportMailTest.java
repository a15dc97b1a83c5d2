package warmwire.delivery.tlsrpt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/** RFC 8460 section 5: the report mail, and which rua addresses it goes to. */
class ReportMailTest {
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void mailtoAddressesOnlyBoundedAndChecked() {
        assertEquals(List.of("tlsrpt@example.test", "b@x.test"),
                ReportMail.recipients("mailto:tlsrpt@example.test?subject=x, https://r.test/v1,mailto:b%40x.test"));
        assertEquals(List.of(), ReportMail.recipients("mailto:<evil>@x.test,mailto:no-at-sign,mailto:a b@x.test"));
        assertEquals(4, ReportMail.recipients("mailto:a@x.t,mailto:b@x.t,mailto:c@x.t,mailto:d@x.t,mailto:e@x.t").size());
    }

    @Test
    void theSubmissionCarriesTheGzippedReportAsRfc8460Says() throws Exception {
        ObjectNode report = json.createObjectNode().put("report-id", "2026-12-05T00:00:00Z_example.test@Warmwire");
        Instant start = Instant.parse("2026-12-05T00:00:00Z");
        byte[] value = ReportMail.submission(json, report, "example.test", "Warmwire", "tlsrpt@sender.test",
                List.of("tlsrpt@example.test"), start, start.plusSeconds(86400), start.plusSeconds(90000));
        JsonNode s = json.readTree(value);
        assertTrue(s.path("id").asText().startsWith("tlsrpt-"));
        assertEquals("tlsrpt@sender.test", s.path("from").asText());
        assertEquals("tlsrpt@example.test", s.path("to").get(0).asText());
        String m = s.path("content").asText();
        assertTrue(m.contains("\r\nTLS-Report-Domain: example.test\r\n"), m);
        assertTrue(m.contains("\r\nTLS-Report-Submitter: Warmwire\r\n"), m);
        assertTrue(m.contains("Subject: Report Domain: example.test Submitter: Warmwire Report-ID: <"), m);
        assertTrue(m.contains("Content-Type: multipart/report; report-type=\"tlsrpt\""), m);
        assertTrue(m.contains("filename=\"sender.test!example.test!1796428800!1796515199.json.gz\""), m);
        String part = m.substring(m.indexOf("Content-Type: application/tlsrpt+gzip"));
        String b64 = part.substring(part.indexOf("\r\n\r\n") + 4, part.indexOf("\r\n--"));
        byte[] gz = Base64.getMimeDecoder().decode(b64);
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            assertEquals(report, json.readTree(in.readAllBytes()));
        }
        assertEquals(s.path("id").asText(), json.readTree(ReportMail.submission(json, report, "example.test", "Warmwire",
                "tlsrpt@sender.test", List.of("tlsrpt@example.test"), start, start.plusSeconds(86400), Instant.now()))
                .path("id").asText(), "the same report, the same submission id: the intake drops a second copy");
    }
}
