package warmwire.session.smtp;

import java.util.Arrays;

/**
 * NAME
 *   TransactionResult - the replies one mail transaction collected.
 * DESCRIPTION
 *   {@code mail} is the reply to MAIL FROM; {@code rcpt[i]} the reply to the RCPT TO of
 *   recipient i; {@code data} the reply to DATA; {@code dataDone} the reply to the end of data, or to the
 *   last BDAT chunk when the message went with BDAT ({@link #chunked}, no DATA then).
 *   A reply the session never received is null. {@code failure} is set when the connection
 *   failed (timeout, lost, protocol error) before the transaction completed; the replies
 *   received until then still count (a recipient rejected at RCPT stays rejected).
 *   Turning replies into per-recipient results is the caller's job (outcome package).
 */
public final class TransactionResult {
    private final Reply[] rcpt;
    private Reply rset;
    private Reply mail;
    private Reply data;
    private Reply dataDone;
    private SmtpFailure failure;
    private boolean pipelined;
    private boolean chunked;
    private NotSent notSent;

    /**
     * The client's own refusal to send the message to this server, decided from its EHLO before
     * MAIL FROM (nothing of the transaction went out): the message bounces with {@code enhanced}.
     */
    public record NotSent(String enhanced, String reason) {
    }

    TransactionResult(int recipients) {
        this.rcpt = new Reply[recipients];
    }

    /** The reply to the RSET sent before this transaction on a reused connection, or null. */
    public Reply rset() {
        return rset;
    }

    public Reply mail() {
        return mail;
    }

    public Reply rcpt(int i) {
        return rcpt[i];
    }

    public int recipients() {
        return rcpt.length;
    }

    public Reply data() {
        return data;
    }

    public Reply dataDone() {
        return dataDone;
    }

    public SmtpFailure failure() {
        return failure;
    }

    /** Why the client did not send this message to this server at all, or null. */
    public NotSent notSent() {
        return notSent;
    }

    void notSent(NotSent n) {
        notSent = n;
    }

    /** Whether MAIL, RCPT and DATA went out in one write (RFC 2920). */
    public boolean pipelined() {
        return pipelined;
    }

    /**
     * Whether the message went with BDAT (RFC 3030): then there is no reply to DATA, and
     * {@link #dataDone} is the reply to the last BDAT chunk.
     */
    public boolean chunked() {
        return chunked;
    }

    /** The command whose reply {@link #dataDone} is, for reasons ("end of DATA" or "BDAT"). */
    public String endCommand() {
        return chunked ? "BDAT" : "end of DATA";
    }

    /** How many recipients the server accepted at RCPT. */
    public int accepted() {
        if (mail == null || !mail.positive()) {
            return 0;
        }
        int n = 0;
        for (Reply r : rcpt) {
            if (r != null && r.positive()) {
                n++;
            }
        }
        return n;
    }

    void rset(Reply r) {
        rset = r;
    }

    void mail(Reply r) {
        mail = r;
    }

    void rcpt(int i, Reply r) {
        rcpt[i] = r;
    }

    void data(Reply r) {
        data = r;
    }

    void dataDone(Reply r) {
        dataDone = r;
    }

    void failure(SmtpFailure f) {
        if (failure == null) {
            failure = f;
        }
    }

    void pipelined(boolean p) {
        pipelined = p;
    }

    void chunked(boolean c) {
        chunked = c;
    }

    @Override
    public String toString() {
        return "mail=" + mail + " rcpt=" + Arrays.toString(rcpt) + " data=" + data + " dataDone=" + dataDone
                + (failure != null ? " failure=" + failure.getMessage() : "");
    }
}
