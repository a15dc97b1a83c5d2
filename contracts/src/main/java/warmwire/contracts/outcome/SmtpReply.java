package warmwire.contracts.outcome;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A server's reply as an event carries it.
 *
 * @param code     the three-digit RFC 5321 reply code
 * @param enhanced the RFC 3463 enhanced status code ({@code 2.0.0}), or null if the server sent none
 * @param text     the reply text, lines joined with a space, enhanced code removed
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SmtpReply(int code, String enhanced, String text) {
}
