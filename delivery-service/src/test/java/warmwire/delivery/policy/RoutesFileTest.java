package warmwire.delivery.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RoutesFileTest {

    @Test
    void noFileMeansNoRoutes() {
        RoutesFile r = new RoutesFile(Optional.empty(), Duration.ZERO);
        assertEquals(Optional.empty(), r.table().lookup("example.com"));
        assertFalse(r.reloadIfChanged());
    }

    @Test
    void badFileFailsStartupWithTheLine(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("routes");
        Files.writeString(f, "ok.example [127.0.0.1]\nbroken.example [127.0.0.1]:port\n");
        RoutesFileException e = assertThrows(RoutesFileException.class, () -> new RoutesFile(Optional.of(f),
                Duration.ZERO));
        assertEquals(2, e.lineNumber());
        assertTrue(e.getMessage().contains(f.toString()));
        assertThrows(RoutesFileException.class, () -> new RoutesFile(Optional.of(dir.resolve("missing")),
                Duration.ZERO));
    }

    @Test
    void changedFileIsReloadedAndABadEditKeepsTheOldRoutes(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("routes");
        Files.writeString(f, "a.example [127.0.0.1]:2525\n");
        RoutesFile r = new RoutesFile(Optional.of(f), Duration.ZERO);
        assertEquals(2525, r.table().lookup("a.example").get().port());
        assertFalse(r.reloadIfChanged());

        Files.writeString(f, "a.example [127.0.0.1]:2526\nb.example [127.0.0.1]\n");
        Files.setLastModifiedTime(f, FileTime.from(Instant.now().plusSeconds(5)));
        assertTrue(r.reloadIfChanged());
        assertEquals(2526, r.table().lookup("a.example").get().port());
        assertTrue(r.table().lookup("b.example").isPresent());

        Files.writeString(f, "a.example\n");
        Files.setLastModifiedTime(f, FileTime.from(Instant.now().plusSeconds(10)));
        assertFalse(r.reloadIfChanged());
        assertEquals(2526, r.table().lookup("a.example").get().port());
    }

    @Test
    void watcherPicksUpChanges(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("routes");
        Files.writeString(f, "a.example [127.0.0.1]:2525\n");
        RoutesFile r = new RoutesFile(Optional.of(f), Duration.ofMillis(50));
        try {
            Files.writeString(f, "a.example [127.0.0.1]:2599\n");
            Files.setLastModifiedTime(f, FileTime.from(Instant.now().plusSeconds(5)));
            await("the changed file read").atMost(Duration.ofSeconds(5))
                    .until(() -> r.table().lookup("a.example").get().port() == 2599);
        } finally {
            r.stop();
        }
    }
}
