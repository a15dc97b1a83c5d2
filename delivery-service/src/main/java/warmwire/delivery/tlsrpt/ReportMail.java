package warmwire.delivery.tlsrpt;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPOutputStream;

/**
 * NAME
 *   ReportMail - a TLS report as the mail RFC 8460 section 5.3 describes, submitted to Warmwire itself.
 * DESCRIPTION
 *   For the {@code mailto:} addresses of a domain's rua (at most {@link #MAX_RECIPIENTS}; a
 *   query part after {@code ?} is ignored, percent-escapes decoded, an address that is not
 *   {@code local@domain} in printable ASCII left out): a {@code mail.submit} record whose id is
 *   derived from the report id (so the intake drops a second copy), from
 *   {@code warmwire.tlsrpt.mail-from}, with a {@code multipart/report; report-type="tlsrpt"}
 *   message: the headers {@code TLS-Report-Domain} and {@code TLS-Report-Submitter}, the subject
 *   {@code Report Domain: <domain> Submitter: <organization> Report-ID: <id>}, a short text part
 *   and the report gzipped as {@code application/tlsrpt+gzip}, named
 *   {@code <sender>!<domain>!<begin>!<end>.json.gz} (section 5.1).
 * BUGS
 *   RFC 8460 asks for a DKIM signature on the report mail; Warmwire does not sign yet (issue 15).
 */
final class ReportMail {
    static final int MAX_RECIPIENTS = 4;
    private static final DateTimeFormatter RFC5322 = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss xx", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private ReportMail() {
    }

    /** The mailto: addresses of {@code rua}, bounded and checked. */
    static List<String> recipients(String rua) {
        List<String> out = new ArrayList<>();
        for (String uri : rua.split(",")) {
            String u = uri.strip();
            if (!u.regionMatches(true, 0, "mailto:", 0, 7) || out.size() >= MAX_RECIPIENTS) {
                continue;
            }
            String addr = u.substring(7);
            int q = addr.indexOf('?');
            if (q >= 0) {
                addr = addr.substring(0, q);
            }
            try {
                addr = URLDecoder.decode(addr, StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (addr.matches("[\\x21-\\x3b\\x3d\\x3f-\\x7e&&[^@]]{1,64}@[A-Za-z0-9.-]{1,253}")) {
                out.add(addr);
            }
        }
        return out;
    }

    /** The mail.submit record (JSON) carrying {@code report} to {@code to}. */
    static byte[] submission(ObjectMapper json, ObjectNode report, String domain, String organization, String from,
                             List<String> to, Instant start, Instant end, Instant now) {
        String reportId = report.path("report-id").asText();
        String sender = from.substring(from.lastIndexOf('@') + 1);
        String file = sender + "!" + domain + "!" + start.getEpochSecond() + "!" + (end.getEpochSecond() - 1) + ".json.gz";
        String boundary = "tlsrpt-" + hash(reportId).substring(0, 24);
        String attachment = Base64.getMimeEncoder(76, "\r\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(gzip(json, report));
        String message = "From: <" + from + ">\r\n"
                + "To: " + String.join(", ", to.stream().map(a -> "<" + a + ">").toList()) + "\r\n"
                + "Subject: Report Domain: " + domain + " Submitter: " + organization + " Report-ID: <" + reportId + ">\r\n"
                + "Date: " + RFC5322.format(now) + "\r\n"
                + "Message-ID: <" + hash(reportId).substring(0, 32) + "@" + sender + ">\r\n"
                + "TLS-Report-Domain: " + domain + "\r\n"
                + "TLS-Report-Submitter: " + organization + "\r\n"
                + "MIME-Version: 1.0\r\n"
                + "Content-Type: multipart/report; report-type=\"tlsrpt\"; boundary=\"" + boundary + "\"\r\n"
                + "\r\n"
                + "--" + boundary + "\r\n"
                + "Content-Type: text/plain; charset=us-ascii\r\n"
                + "\r\n"
                + "This is an aggregate TLS report (RFC 8460) from " + organization + " for " + domain + ",\r\n"
                + start + " to " + end + ".\r\n"
                + "\r\n"
                + "--" + boundary + "\r\n"
                + "Content-Type: application/tlsrpt+gzip\r\n"
                + "Content-Transfer-Encoding: base64\r\n"
                + "Content-Disposition: attachment; filename=\"" + file + "\"\r\n"
                + "\r\n"
                + attachment + "\r\n"
                + "--" + boundary + "--\r\n";
        ObjectNode s = json.createObjectNode();
        s.put("id", "tlsrpt-" + hash(reportId).substring(0, 40));
        s.put("from", from);
        ArrayNode rcpts = s.putArray("to");
        to.forEach(rcpts::add);
        s.put("content", message);
        try {
            return json.writeValueAsBytes(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] gzip(ObjectMapper json, ObjectNode report) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(json.writeValueAsBytes(report));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static String hash(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
