package warmwire.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * NAME
 *   PackageLayersTest - no module of the build has a cycle among its packages.
 * DESCRIPTION
 *   Layers import one way (STYLE.md): in every module listed in the parent pom, the graph
 *   package -> package built from {@code import warmwire...} lines and fully qualified
 *   {@code warmwire.x.y.Type} references in code (comments, strings and text blocks ignored)
 *   has no cycle. A failure names each cycle's packages and, per edge inside it, the files and
 *   the types that close it. Run alone: {@code ./mvnw -pl contracts test -Dtest=PackageLayersTest}.
 */
class PackageLayersTest {
    private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");
    private static final Pattern PACKAGE = Pattern.compile("(?m)^\\s*package\\s+([\\w.]+)\\s*;");
    private static final Pattern IMPORT = Pattern.compile("(?m)^\\s*import\\s+(?:static\\s+)?(warmwire\\.[\\w.]+(?:\\.\\*)?)\\s*;");
    private static final Pattern QUALIFIED = Pattern.compile("(?<![\\w.])(warmwire(?:\\.[A-Za-z_]\\w*)+)");

    @Test
    void noModuleHasAPackageCycle() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        String parent = Files.readString(root.resolve("pom.xml"));
        List<String> modules = new ArrayList<>();
        Matcher m = MODULE.matcher(parent);
        while (m.find()) {
            modules.add(m.group(1).trim());
        }
        assertFalse(modules.isEmpty(), "modules of " + root.resolve("pom.xml"));
        StringBuilder cycles = new StringBuilder();
        int checked = 0;
        for (String module : modules) {
            Path src = root.resolve(module).resolve("src/main/java");
            if (Files.isDirectory(src)) {
                cycles.append(cyclesOf(module, graph(src)));
                checked++;
            }
        }
        assertTrue(checked >= 4, "main sources found in " + checked + " modules of " + modules);
        assertEquals("", cycles.toString(), "package cycles (a lower layer imports a higher one)");
    }

    @Test
    void theCheckSeesACycle() {
        // a -> b through an import, b -> a through a qualified name: one cycle, named with its edges
        Map<String, Map<String, Set<String>>> g = new TreeMap<>();
        edges(g, "p/A.java", strip("package warmwire.x.a;\nimport warmwire.x.b.B;\nclass A {}"));
        edges(g, "p/B.java", strip("package warmwire.x.b;\n// warmwire.x.c.C in a comment\nclass B { warmwire.x.a.A a; }"));
        String found = cyclesOf("m", g);
        assertTrue(found.contains("warmwire.x.a -> warmwire.x.b: p/A.java warmwire.x.b.B"), found);
        assertTrue(found.contains("warmwire.x.b -> warmwire.x.a: p/B.java warmwire.x.a.A"), found);
        assertFalse(found.contains("warmwire.x.c"), "a comment is no reference: " + found);
    }

    /** package -> package -> "file type" lines. */
    private static Map<String, Map<String, Set<String>>> graph(Path src) throws IOException {
        Map<String, Map<String, Set<String>>> g = new TreeMap<>();
        try (Stream<Path> files = Files.walk(src)) {
            files.filter(p -> p.toString().endsWith(".java")).sorted().forEach(p -> {
                try {
                    edges(g, src.relativize(p).toString(), strip(Files.readString(p, StandardCharsets.UTF_8)));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        return g;
    }

    private static void edges(Map<String, Map<String, Set<String>>> g, String file, String code) {
        Matcher pm = PACKAGE.matcher(code);
        boolean named = pm.find();
        String pkg = named ? pm.group(1) : "";
        g.computeIfAbsent(pkg, k -> new TreeMap<>());
        int body = named ? pm.end() : 0;
        Matcher im = IMPORT.matcher(code);
        while (im.find()) {
            edge(g, pkg, file, im.group(1));
            body = Math.max(body, im.end());
        }
        Matcher qm = QUALIFIED.matcher(code);
        qm.region(body, code.length());
        while (qm.find()) {
            edge(g, pkg, file, qm.group(1));
        }
    }

    private static void edge(Map<String, Map<String, Set<String>>> g, String from, String file, String name) {
        String[] parts = name.split("\\.");
        int k = 0;
        while (k < parts.length && !parts[k].equals("*") && !Character.isUpperCase(parts[k].charAt(0))) {
            k++;
        }
        if (k == parts.length) {
            return; // a package name alone (package-info, or a qualified name with no type)
        }
        String to = String.join(".", java.util.Arrays.copyOfRange(parts, 0, k));
        if (!to.isEmpty() && !to.equals(from)) {
            g.computeIfAbsent(from, x -> new TreeMap<>()).computeIfAbsent(to, x -> new TreeSet<>()).add(file + " " + name);
        }
    }

    /** Each set of packages that reach each other, with the edges between them; "" when none. */
    private static String cyclesOf(String module, Map<String, Map<String, Set<String>>> g) {
        Map<String, Set<String>> reach = new TreeMap<>();
        for (String p : g.keySet()) {
            Set<String> seen = new TreeSet<>();
            List<String> todo = new ArrayList<>(g.get(p).keySet());
            while (!todo.isEmpty()) {
                String q = todo.remove(todo.size() - 1);
                if (seen.add(q) && g.containsKey(q)) {
                    todo.addAll(g.get(q).keySet());
                }
            }
            reach.put(p, seen);
        }
        StringBuilder out = new StringBuilder();
        Set<String> done = new TreeSet<>();
        for (String p : reach.keySet()) {
            if (done.contains(p) || !reach.get(p).contains(p)) {
                continue;
            }
            Set<String> cycle = new TreeSet<>();
            for (String q : reach.get(p)) {
                if (reach.containsKey(q) && reach.get(q).contains(p)) {
                    cycle.add(q);
                }
            }
            done.addAll(cycle);
            out.append(module).append(": cycle ").append(cycle).append('\n');
            for (String a : cycle) {
                for (Map.Entry<String, Set<String>> e : g.get(a).entrySet()) {
                    if (cycle.contains(e.getKey())) {
                        for (String why : e.getValue()) {
                            out.append("  ").append(a).append(" -> ").append(e.getKey()).append(": ").append(why).append('\n');
                        }
                    }
                }
            }
        }
        return out.toString();
    }

    /** The code with comments, string and char literals and text blocks blanked out. */
    static String strip(String src) {
        StringBuilder out = new StringBuilder(src.length());
        int i = 0;
        int n = src.length();
        while (i < n) {
            int j;
            if (src.startsWith("//", i)) {
                j = src.indexOf('\n', i);
                j = j < 0 ? n : j;
            } else if (src.startsWith("/*", i)) {
                j = src.indexOf("*/", i + 2);
                j = j < 0 ? n : j + 2;
            } else if (src.startsWith("\"\"\"", i)) {
                j = i + 3;
                while (j < n && !src.startsWith("\"\"\"", j)) {
                    j += src.charAt(j) == '\\' ? 2 : 1;
                }
                j = Math.min(n, j + 3);
            } else if (src.charAt(i) == '"' || src.charAt(i) == '\'') {
                char q = src.charAt(i);
                j = i + 1;
                while (j < n && src.charAt(j) != q && src.charAt(j) != '\n') {
                    j += src.charAt(j) == '\\' ? 2 : 1;
                }
                j = Math.min(n, j + 1);
            } else {
                out.append(src.charAt(i++));
                continue;
            }
            for (int k = i; k < j; k++) {
                out.append(src.charAt(k) == '\n' ? '\n' : ' ');
            }
            i = j;
        }
        return out.toString();
    }
}
