package warmwire.contracts.classify;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import warmwire.contracts.text.RulesText;

/**
 * NAME
 *   ReplyRules - the class of a refusal or failure, from its enhanced status code and its text.
 * SYNOPSIS
 *   {@code ReplyRules.defaults().classify("4.7.28", "421 4.7.28 ... unusual rate ...")}
 * DESCRIPTION
 *   An ordered list of rules; the first that matches decides. A rules file has one rule per
 *   line: {@code <class> <code> <flag> <pattern>}, '#' starts a comment line.
 *   - class: a {@link ReplyClass} wire name;
 *   - code: an RFC 3463 code pattern matched against the enhanced status code, one part per dot,
 *     {@code *} for a part or the whole ({@code 5.1.1}, {@code *.7.28}, {@code 4.*}, {@code *});
 *   - flag: {@code throttle} (the receiver asks the sender to slow down: tls-session lowers the
 *     site's limits) or {@code -};
 *   - pattern: the rest of the line, a regular expression found (case-insensitive) in the text
 *     judged (the server's reply: its code and words), or {@code *} for any.
 *   The defaults ({@code reply-classes.txt} beside this class) hold the big providers' known
 *   throttling replies (Yahoo's TS01-TS04, Microsoft's "exceeded the maximum number of
 *   connections/messages per connection", Gmail's 4.7.28), blocklist words, authentication
 *   (DMARC, SPF, DKIM), then RFC 3463's codes by subject; a result no rule matches is
 *   {@link ReplyClass#OTHER}. Texts are bounded before matching ({@link #MAX_TEXT}).
 */
public final class ReplyRules {
    /** Characters of the text judged that are looked at: what a reply may hold is bounded upstream. */
    public static final int MAX_TEXT = 2048;
    private static final String DEFAULTS = "reply-classes.txt";

    /** One rule. */
    public record Rule(ReplyClass replyClass, String code, boolean throttle, Pattern pattern) {
        boolean matches(String enhanced, String text) {
            return codeMatches(code, enhanced) && (pattern == null || pattern.matcher(text).find());
        }
    }

    /** A result's class, and whether it asks the sender to slow down. */
    public record Verdict(ReplyClass replyClass, boolean throttle) {
    }

    /** The shipped rules, read when the class loads: rules that do not parse fail the start, not a refusal. */
    private static final ReplyRules DEFAULT_RULES = shipped();

    private final List<Rule> rules;

    private ReplyRules(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** The shipped rules. */
    public static ReplyRules defaults() {
        return DEFAULT_RULES;
    }

    private static ReplyRules shipped() {
        return parse(RulesText.shipped(ReplyRules.class, DEFAULTS), DEFAULTS);
    }

    /** The rules of {@code file}, or the defaults when {@code file} is null or blank. */
    public static ReplyRules load(String file) {
        if (file == null || file.isBlank()) {
            return defaults();
        }
        return parse(RulesText.file(file, "reply classes file"), file);
    }

    /** Parses rules; IllegalArgumentException naming the line of the first bad one. */
    public static ReplyRules parse(String text, String source) {
        List<Rule> rules = new ArrayList<>();
        String[] lines = text.split("\r?\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split("\\s+", 4);
            if (parts.length < 4) {
                throw new IllegalArgumentException(source + " line " + (i + 1) + ": expected '<class> <code> <flag> <pattern>'");
            }
            try {
                ReplyClass c = ReplyClass.parse(parts[0]);
                if (!parts[1].matches("\\*|[245*](\\.(\\*|\\d{1,3})){0,2}")) {
                    throw new IllegalArgumentException("bad code pattern '" + parts[1] + "'");
                }
                if (!parts[2].equals("throttle") && !parts[2].equals("-")) {
                    throw new IllegalArgumentException("flag is 'throttle' or '-', not '" + parts[2] + "'");
                }
                Pattern p = parts[3].equals("*") ? null : Pattern.compile(parts[3], Pattern.CASE_INSENSITIVE);
                rules.add(new Rule(c, parts[1], parts[2].equals("throttle"), p));
            } catch (IllegalArgumentException e) { // a PatternSyntaxException too
                throw new IllegalArgumentException(source + " line " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return new ReplyRules(rules);
    }

    public List<Rule> rules() {
        return rules;
    }

    /** The verdict of the first rule that matches; OTHER without throttle if none does. */
    public Verdict judge(String enhanced, String text) {
        String t = text == null ? "" : text.length() > MAX_TEXT ? text.substring(0, MAX_TEXT) : text;
        for (Rule r : rules) {
            if (r.matches(enhanced, t)) {
                return new Verdict(r.replyClass(), r.throttle());
            }
        }
        return new Verdict(ReplyClass.OTHER, false);
    }

    /** The class alone. */
    public ReplyClass classify(String enhanced, String text) {
        return judge(enhanced, text).replyClass();
    }

    /** Whether {@code enhanced} ("5.1.1"; null matches only "*") fits {@code pattern}. */
    static boolean codeMatches(String pattern, String enhanced) {
        if (pattern.equals("*")) {
            return true;
        }
        if (enhanced == null) {
            return false;
        }
        String[] p = pattern.split("\\.");
        String[] e = enhanced.split("\\.");
        for (int i = 0; i < p.length; i++) {
            if (i >= e.length) {
                return false;
            }
            if (!p[i].equals("*") && !p[i].equals(e[i])) {
                return false;
            }
        }
        return p.length == e.length || p[p.length - 1].equals("*");
    }
}
