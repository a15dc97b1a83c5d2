package warmwire.session.smtp;

/**
 * NAME
 *   ReplyLimits - how much a remote server may send before the client stops listening.
 * DESCRIPTION
 *   RFC 5321 section 4.5.3.1 gives the minimums a client must accept: a reply line of 512
 *   octets. Real servers send longer lines (long EHLO keywords, verbose rejections), so the
 *   defaults are generous, but finite:
 *   {@code maxLineLength} (2 KiB) bounds one reply line, CR LF included;
 *   {@code maxReplyLines} (100) and {@code maxReplyBytes} (64 KiB) bound one multi-line reply;
 *   {@code maxUnreadBytes} (256 KiB) bounds what a connection holds that no command has
 *   consumed yet (replies read ahead in a pipelined group, plus a partial line).
 *   A server past any of them is a protocol error: the connection is closed and what it
 *   carried is deferred, with the limit named in the reason.
 */
public record ReplyLimits(int maxLineLength, int maxReplyLines, int maxReplyBytes, int maxUnreadBytes) {
    public static final ReplyLimits DEFAULT = new ReplyLimits(2048, 100, 64 * 1024, 256 * 1024);

    public ReplyLimits {
        if (maxLineLength < 512) {
            throw new IllegalArgumentException("max reply line below RFC 5321's 512 octets: " + maxLineLength);
        }
        if (maxReplyLines < 1 || maxReplyBytes < maxLineLength || maxUnreadBytes < maxReplyBytes) {
            throw new IllegalArgumentException("reply limits must grow: line " + maxLineLength + " <= reply "
                    + maxReplyBytes + " <= unread " + maxUnreadBytes + ", lines >= 1");
        }
    }
}
