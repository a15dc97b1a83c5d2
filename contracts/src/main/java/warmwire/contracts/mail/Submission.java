package warmwire.contracts.mail;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * A record on {@code mail.submit}, as users write it (DESIGN.md "Intake"; JSON Schema in
 * {@code contracts/src/main/resources/schema/submission.schema.json}). Validation lives in
 * queue-service's intake: this type only carries the fields.
 *
 * @param id            optional client id, unique; used to drop duplicate submissions
 * @param from          envelope sender, {@code ""} for the null sender
 * @param to            envelope recipients, at least one
 * @param content       the RFC 5322 message as text (exactly one of content/contentBase64)
 * @param contentBase64 the message as base64, for 8-bit or binary messages
 * @param tls           optional per-message TLS policy; cannot go below the configured floor
 * @param requireTls    optional REQUIRETLS (RFC 8689): deliver only over TLS verified under the
 *                      receiving domain's MTA-STS or DANE policy, to servers that offer REQUIRETLS
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = false)
public record Submission(String id, String from, List<String> to, String content, String contentBase64,
                         String tls, String tenant, String campaign, Dsn dsn, Boolean requireTls) {

    /** A submission without REQUIRETLS. */
    public Submission(String id, String from, List<String> to, String content, String contentBase64, String tls,
                      String tenant, String campaign, Dsn dsn) {
        this(id, from, to, content, contentBase64, tls, tenant, campaign, dsn, null);
    }
}
