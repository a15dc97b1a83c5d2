package warmwire.delivery.tlsrpt;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import warmwire.contracts.tlsrpt.TlsPolicyRef;

/**
 * NAME
 *   TlsReportWriter - one policy domain's counts of one period as an RFC 8460 report (section 4).
 * DESCRIPTION
 *   {@code organization-name}, {@code date-range} (the period: its first second to its last),
 *   {@code contact-info}, {@code report-id} ({@code <start>_<domain>@<organization>}: stable, so a
 *   report written again after a crash has the same id) and one {@code policies} entry per
 *   policy seen in the period: {@code policy-type} ({@code sts}, {@code tlsa}), the
 *   {@code policy-string}, {@code policy-domain}, {@code mx-host} (the policy's mx patterns for
 *   sts, the MX hosts tried for tlsa), the {@code summary} counts and the {@code failure-details}
 *   by result type, MX host and address ({@code failure-reason-code}: the first reason seen, as
 *   text; {@code additional-information} is a URI in RFC 8460 and is not written).
 */
final class TlsReportWriter {
    private final ObjectMapper json;
    private final String organization;
    private final String contact;

    TlsReportWriter(ObjectMapper json, String organization, String contact) {
        this.json = json;
        this.organization = organization;
        this.contact = contact;
    }

    ObjectNode report(String domain, Instant start, Instant end, List<ReportBook.PolicyCounts> policies) {
        ObjectNode r = json.createObjectNode();
        r.put("organization-name", organization);
        ObjectNode range = r.putObject("date-range");
        range.put("start-datetime", start.toString());
        range.put("end-datetime", end.minusSeconds(1).toString());
        r.put("contact-info", contact);
        r.put("report-id", start + "_" + domain + "@" + organization);
        ArrayNode list = r.putArray("policies");
        for (ReportBook.PolicyCounts c : policies) {
            ObjectNode p = list.addObject();
            ObjectNode policy = p.putObject("policy");
            policy.put("policy-type", c.type);
            ArrayNode lines = policy.putArray("policy-string");
            c.policyString.forEach(lines::add);
            policy.put("policy-domain", domain);
            ArrayNode mx = policy.putArray("mx-host");
            mxHosts(c).forEach(mx::add);
            ObjectNode summary = p.putObject("summary");
            summary.put("total-successful-session-count", c.success);
            summary.put("total-failure-session-count", c.failure);
            if (!c.failures.isEmpty()) {
                ArrayNode details = p.putArray("failure-details");
                for (Map.Entry<List<String>, long[]> f : c.failures.entrySet()) {
                    ObjectNode d = details.addObject();
                    d.put("result-type", f.getKey().get(0));
                    if (f.getKey().get(1) != null) {
                        d.put("receiving-mx-hostname", f.getKey().get(1));
                    }
                    if (f.getKey().get(2) != null) {
                        d.put("receiving-ip", f.getKey().get(2));
                    }
                    d.put("failed-session-count", f.getValue()[0]);
                    String info = c.details.get(f.getKey());
                    if (info != null) {
                        d.put("failure-reason-code", info);
                    }
                }
            }
        }
        return r;
    }

    private static TreeSet<String> mxHosts(ReportBook.PolicyCounts c) {
        TreeSet<String> mx = new TreeSet<>();
        if (TlsPolicyRef.STS.equals(c.type)) {
            for (String line : c.policyString) {
                if (line.startsWith("mx:")) {
                    mx.add(line.substring(3).trim());
                }
            }
        } else {
            mx.addAll(c.hosts);
        }
        return mx;
    }
}
