package warmwire.contracts.check;

/**
 * NAME
 *   Checked - what a record check says about one record: the valid record, or why not.
 * DESCRIPTION
 *   Exactly one of {@link #value} and {@link #reason} is set. The reason names the field and the
 *   rule it broke ({@code results[0].status: missing}), so that a dead letter tells an operator
 *   what was wrong without the producer's code at hand.
 */
public record Checked<T>(T value, String reason) {

    public Checked {
        if ((value == null) == (reason == null)) {
            throw new IllegalArgumentException("exactly one of value and reason");
        }
    }

    public static <T> Checked<T> valid(T value) {
        return new Checked<>(value, null);
    }

    public static <T> Checked<T> invalid(String reason) {
        return new Checked<>(null, reason);
    }

    public boolean isValid() {
        return value != null;
    }
}
