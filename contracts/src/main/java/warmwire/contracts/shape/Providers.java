package warmwire.contracts.shape;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import warmwire.contracts.route.HostNames;
import warmwire.contracts.text.RulesText;

/**
 * NAME
 *   Providers - which sites belong to one mailbox provider, and how the provider wants them treated.
 * SYNOPSIS
 *   {@code Providers.load(file).of(site.hosts())}
 * DESCRIPTION
 *   A site belongs to a provider when every one of its MX hosts is under one of the provider's
 *   MX domains; the first provider of the file that takes all of them wins. delivery-service
 *   names the provider in each job's site ({@code Site.provider}), which keys the job by the
 *   provider ({@link Provider#shardKey()}): all sites of a provider are on one shard, and
 *   tls-session-service applies the provider's limits across them exactly.
 *
 *   The file is read by both services (one file, one parser: this class). Sections:
 *   <pre>
 *   [google]                            # the provider's name
 *   mx = google.com googlemail.com      # MX domains ("*.google.com" and ".google.com" read the same)
 *   max-connections = 5                 # across all its sites (0 = none)
 *   max-deliveries-per-connection = 50  # per connection (0 = the service's setting)
 *   message-rate = 0                    # a second, across all its sites (0 = none)
 *   message-burst = 1
 *   connection-rate = 0                 # new connections a minute, across all its sites (0 = none)
 *   connection-burst = 1
 *   </pre>
 *   '#' starts a comment. A line that does not parse, an unknown key, a provider without
 *   {@code mx} or a name used twice stops the start; the error names the file and the line.
 *   The shipped presets ({@code providers.txt} beside this class) hold public figures as a
 *   start; an operator edits a copy and names it in {@code warmwire.providers.file}.
 */
public final class Providers {
    private static final String PRESETS = "providers.txt";
    private static final Providers SHIPPED = shipped();
    private static final Providers NONE = new Providers(List.of());

    private final List<Provider> providers;
    private final Map<String, Provider> byName = new LinkedHashMap<>();

    private Providers(List<Provider> providers) {
        this.providers = List.copyOf(providers);
        for (Provider p : providers) {
            byName.put(p.name(), p);
        }
    }

    /** The shipped presets. */
    public static Providers presets() {
        return SHIPPED;
    }

    /** No providers: every site stands alone. */
    public static Providers none() {
        return NONE;
    }

    private static Providers shipped() {
        return parse(RulesText.shipped(Providers.class, PRESETS), PRESETS);
    }

    /** The providers of {@code file}; the shipped presets when it is null or blank, none when it is "none". */
    public static Providers load(String file) {
        if (file == null || file.isBlank()) {
            return presets();
        }
        if (file.equals("none")) {
            return none();
        }
        return parse(RulesText.file(file, "providers file"), file);
    }

    /** Parses a providers file; {@code source} names it in errors. */
    public static Providers parse(String text, String source) {
        List<Provider> out = new ArrayList<>();
        Section s = null;
        int n = 0;
        for (String raw : text.split("\n", -1)) {
            n++;
            int hash = raw.indexOf('#');
            String line = (hash >= 0 ? raw.substring(0, hash) : raw).strip();
            if (line.isEmpty()) {
                continue;
            }
            try {
                if (line.startsWith("[")) {
                    if (!line.endsWith("]")) {
                        throw new IllegalArgumentException("a section is [name]");
                    }
                    if (s != null) {
                        out.add(s.checked(source));
                    }
                    s = new Section(line.substring(1, line.length() - 1).strip(), n);
                    for (Provider p : out) {
                        if (p.name().equals(s.name)) {
                            throw new IllegalArgumentException("provider " + s.name + " named twice");
                        }
                    }
                    continue;
                }
                int eq = line.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("expected key = value");
                }
                if (s == null) {
                    throw new IllegalArgumentException("a key before the first [provider]");
                }
                s.set(line.substring(0, eq).strip().toLowerCase(Locale.ROOT), line.substring(eq + 1).strip());
            } catch (SectionError e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("providers file " + source + " line " + n + ": " + e.getMessage(), e);
            }
        }
        if (s != null) {
            out.add(s.checked(source));
        }
        return new Providers(out);
    }

    /** The provider all of {@code hosts} belong to (the first in the file), or null. */
    public Provider of(List<String> hosts) {
        if (hosts == null || hosts.isEmpty()) {
            return null;
        }
        for (Provider p : providers) {
            boolean all = true;
            for (String h : hosts) {
                if (!p.covers(HostNames.normalise(h))) {
                    all = false;
                    break;
                }
            }
            if (all) {
                return p;
            }
        }
        return null;
    }

    /** The provider named {@code name}, or null. */
    public Provider named(String name) {
        return name == null ? null : byName.get(name);
    }

    public List<Provider> all() {
        return providers;
    }

    /** A section that does not make a provider, already named by its line. */
    private static final class SectionError extends IllegalArgumentException {
        SectionError(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** One [provider] section being read. */
    private static final class Section {
        final String name;
        final int line;
        List<String> domains = List.of();
        int maxConnections;
        int maxDeliveries;
        double messageRate;
        int messageBurst = 1;
        double connectionRate;
        int connectionBurst = 1;

        Section(String name, int line) {
            this.name = name;
            this.line = line;
        }

        void set(String key, String value) {
            switch (key) {
                case "mx" -> {
                    List<String> d = new ArrayList<>();
                    for (String w : value.split("[\\s,]+")) {
                        if (w.isEmpty()) {
                            continue;
                        }
                        String dom = w.startsWith("*.") ? w.substring(2) : w.startsWith(".") ? w.substring(1) : w;
                        if (dom.isEmpty() || dom.contains("*")) {
                            throw new IllegalArgumentException("mx domain " + w + ": a domain, or *.domain");
                        }
                        d.add(HostNames.normalise(dom));
                    }
                    domains = d;
                }
                case "max-connections" -> maxConnections = count(key, value);
                case "max-deliveries-per-connection" -> maxDeliveries = count(key, value);
                case "message-rate" -> messageRate = rate(key, value);
                case "message-burst" -> messageBurst = count(key, value);
                case "connection-rate" -> connectionRate = rate(key, value);
                case "connection-burst" -> connectionBurst = count(key, value);
                default -> throw new IllegalArgumentException("unknown key " + key);
            }
        }

        /** The provider; what is wrong with it names the line of its section. */
        Provider checked(String source) {
            try {
                return provider();
            } catch (IllegalArgumentException e) {
                throw new SectionError("providers file " + source + " line " + line + ": " + e.getMessage(), e);
            }
        }

        Provider provider() {
            return new Provider(name, domains, maxConnections, maxDeliveries, messageRate, messageBurst, connectionRate,
                    connectionBurst);
        }

        private static int count(String key, String value) {
            try {
                int v = Integer.parseInt(value);
                if (v < 0) {
                    throw new NumberFormatException();
                }
                return v;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(key + " must be a whole number, 0 or more: " + value);
            }
        }

        private static double rate(String key, String value) {
            try {
                double v = Double.parseDouble(value);
                if (!(v >= 0) || Double.isInfinite(v)) {
                    throw new NumberFormatException();
                }
                return v;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(key + " must be a number, 0 or more: " + value);
            }
        }
    }
}
