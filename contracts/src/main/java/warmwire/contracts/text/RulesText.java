package warmwire.contracts.text;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The text of a rules file that ships beside a class and that an operator may replace with a
 * file of their own (reply classes, providers): read as UTF-8, whole.
 */
public final class RulesText {
    private RulesText() {
    }

    /** The resource {@code name} beside {@code owner}; a missing one is a packaging error. */
    public static String shipped(Class<?> owner, String name) {
        try (InputStream in = owner.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is not beside " + owner.getName());
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The operator's file {@code file}; {@code what} names it in the error ("providers file"). */
    public static String file(String file, String what) {
        try {
            return Files.readString(Path.of(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(what + " " + file + ": " + e.getMessage(), e);
        }
    }
}
