package warmwire.session.outcome;

import java.util.ArrayList;
import java.util.List;
import warmwire.contracts.outcome.RecipientResult;
import warmwire.contracts.outcome.SmtpReply;
import warmwire.contracts.outcome.Status;
import warmwire.contracts.text.BoundedText;

/**
 * NAME
 *   OutcomeCollector - one result slot per recipient of a job; none may stay empty.
 * DESCRIPTION
 *   Postfix's smtp(8) marks each recipient as it is decided and sweeps the rest at the end;
 *   a recipient that falls through is a bug that would lose mail. Slots are by position, so a
 *   job that lists an address twice gets two results, never fewer than its recipients.
 *   {@link #mark} decides a slot once (a second mark is ignored: the first decision stands).
 *   {@link #results} throws {@link IllegalStateException} naming the unmarked recipients;
 *   {@link #sweep} marks them (a safety net that callers log as an error) and says how many.
 *   Reply text and reasons are cut to {@link BoundedText#MAX_REPLY_TEXT} and
 *   {@link BoundedText#MAX_REASON} here, where every result is made: whatever a server sends,
 *   a result stays about 2 KiB at most.
 */
public final class OutcomeCollector {
    private final List<String> recipients;
    private final RecipientResult[] results;

    public OutcomeCollector(List<String> recipients) {
        this.recipients = List.copyOf(recipients);
        this.results = new RecipientResult[this.recipients.size()];
    }

    public int size() {
        return results.length;
    }

    public String recipient(int i) {
        return recipients.get(i);
    }

    public boolean marked(int i) {
        return results[i] != null;
    }

    /** Decides slot i, unless already decided; the enhanced code is the server's or the class default. */
    public void mark(int i, Status status, SmtpReply smtp, String reason) {
        mark(i, status, smtp, null, reason);
    }

    /** Decides slot i, unless already decided; {@code dsn} is Warmwire's own code where the server gave none. */
    public void mark(int i, Status status, SmtpReply smtp, String dsn, String reason) {
        if (results[i] == null) {
            if (status != Status.DELIVERED && (reason == null || reason.isBlank())) {
                reason = "no reason given";
            }
            if (smtp != null && smtp.text() != null && smtp.text().length() > BoundedText.MAX_REPLY_TEXT) {
                smtp = new SmtpReply(smtp.code(), smtp.enhanced(), BoundedText.truncate(smtp.text(), BoundedText.MAX_REPLY_TEXT));
            }
            results[i] = new RecipientResult(recipients.get(i), status, smtp,
                    RecipientResult.dsnOf(status, smtp, dsn), BoundedText.truncate(reason, BoundedText.MAX_REASON));
        }
    }

    /** Decides every slot still open. */
    public void markRemaining(Status status, SmtpReply smtp, String reason) {
        markRemaining(status, smtp, null, reason);
    }

    /** Decides every slot still open, with Warmwire's own enhanced code where the server gave none. */
    public void markRemaining(Status status, SmtpReply smtp, String dsn, String reason) {
        for (int i = 0; i < results.length; i++) {
            mark(i, status, smtp, dsn, reason);
        }
    }

    /** Recipients without a result. */
    public List<String> unmarked() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < results.length; i++) {
            if (results[i] == null) {
                out.add(recipients.get(i));
            }
        }
        return out;
    }

    /** Marks every open slot deferred with {@code reason}; returns how many there were. */
    public int sweep(String reason) {
        int n = unmarked().size();
        markRemaining(Status.DEFERRED, null, reason);
        return n;
    }

    /** One result per recipient, in job order; throws when any recipient is unmarked. */
    public List<RecipientResult> results() {
        List<String> open = unmarked();
        if (!open.isEmpty()) {
            throw new IllegalStateException("recipients left without a result: " + open);
        }
        return List.of(results);
    }
}
