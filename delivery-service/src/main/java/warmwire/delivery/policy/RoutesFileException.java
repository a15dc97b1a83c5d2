package warmwire.delivery.policy;

/**
 * NAME
 *   RoutesFileException - a routes file line that cannot be used.
 * DESCRIPTION
 *   The message names the file, the line number and the line, so that a failed startup says
 *   exactly what to fix.
 */
public class RoutesFileException extends RuntimeException {
    private final int lineNumber;

    public RoutesFileException(String source, int lineNumber, String line, String reason) {
        super("routes file " + source + " line " + lineNumber + ": " + reason + ": '" + line + "'");
        this.lineNumber = lineNumber;
    }

    public RoutesFileException(String message, Throwable cause) {
        super(message, cause);
        this.lineNumber = 0;
    }

    /** The 1-based line number, 0 when the whole file was unreadable. */
    public int lineNumber() {
        return lineNumber;
    }
}
