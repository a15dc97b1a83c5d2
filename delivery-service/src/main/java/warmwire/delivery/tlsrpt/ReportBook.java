package warmwire.delivery.tlsrpt;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import warmwire.contracts.tlsrpt.TlsResult;

/**
 * NAME
 *   ReportBook - TLS results counted per reporting period and policy domain, and where in
 *   mail.tls-results each period begins.
 * DESCRIPTION
 *   Pure bookkeeping for {@link TlsReportLoop}. A result counts in the period of its record's
 *   timestamp (periods are multiples of {@code periodMs} since the epoch: UTC days for 1 d); a
 *   record whose period was closed already (it came later than the grace) counts in the oldest
 *   open period, or the period of now. Per period and domain, per policy (type and policy
 *   string): successes, failures, and failures by result type, MX host and address with the
 *   first detail seen. At most {@code maxDomains} domains per period: results of further
 *   domains are counted as {@link #overflow()} and not reported.
 *
 *   For exactly-once reports, the book remembers per partition the offset of the first record
 *   of each open period: when a period closes, the offsets to commit with its reports are those
 *   of the next open period's first records (or the consumer's position where there is none),
 *   so after a crash the records of periods not yet reported are read again.
 */
final class ReportBook {
    /** One policy's counts within a domain's report. */
    static final class PolicyCounts {
        final String type;
        final List<String> policyString;
        long success;
        long failure;
        /** (result type, MX host, address) -> count, detail. */
        final Map<List<String>, long[]> failures = new LinkedHashMap<>();
        final Map<List<String>, String> details = new HashMap<>();
        /** The MX hosts tried (bounded: a site has at most a few dozen). */
        final java.util.TreeSet<String> hosts = new java.util.TreeSet<>();

        PolicyCounts(String type, List<String> policyString) {
            this.type = type;
            this.policyString = policyString;
        }
    }

    /** A closed period: its start, and per domain its policies' counts. */
    record Closed(long period, Map<String, List<PolicyCounts>> domains) {
    }

    private final long periodMs;
    private final int maxDomains;
    /** period -> domain -> (type + policy string) -> counts. */
    private final TreeMap<Long, Map<String, Map<List<String>, PolicyCounts>>> open = new TreeMap<>();
    /** period -> partition -> first offset of the period seen. */
    private final Map<Long, Map<Integer, Long>> firstOffsets = new HashMap<>();
    private long closedUpTo = Long.MIN_VALUE;
    private long overflow;

    ReportBook(long periodMs, int maxDomains) {
        this.periodMs = periodMs;
        this.maxDomains = maxDomains;
    }

    long period(long timestampMs) {
        return Math.floorDiv(timestampMs, periodMs);
    }

    long periodStartMs(long period) {
        return period * periodMs;
    }

    /** Counts one result read at {@code partition}/{@code offset}, timestamp {@code timestampMs}. */
    void add(int partition, long offset, long timestampMs, long nowMs, TlsResult r) {
        long p = period(timestampMs);
        if (p <= closedUpTo) {
            p = open.isEmpty() ? Math.max(period(nowMs), closedUpTo + 1) : open.firstKey();
        }
        firstOffsets.computeIfAbsent(p, k -> new HashMap<>()).putIfAbsent(partition, offset);
        Map<String, Map<List<String>, PolicyCounts>> domains = open.computeIfAbsent(p, k -> new HashMap<>());
        if (!domains.containsKey(r.policyDomain()) && domains.size() >= maxDomains) {
            overflow++;
            return;
        }
        List<String> key = new ArrayList<>();
        key.add(r.policyType());
        key.addAll(r.policyString());
        PolicyCounts c = domains.computeIfAbsent(r.policyDomain(), d -> new LinkedHashMap<>())
                .computeIfAbsent(List.copyOf(key), k -> new PolicyCounts(r.policyType(), r.policyString()));
        if (r.mxHost() != null && c.hosts.size() < 64) {
            c.hosts.add(r.mxHost());
        }
        if (r.success()) {
            c.success++;
            return;
        }
        c.failure++;
        List<String> f = java.util.Arrays.asList(r.result(), r.mxHost(), r.receivingIp());
        c.failures.computeIfAbsent(f, k -> new long[1])[0]++;
        if (r.detail() != null) {
            c.details.putIfAbsent(f, r.detail());
        }
    }

    /** The open periods whose end plus {@code graceMs} has passed at {@code nowMs}, oldest first. */
    List<Long> due(long nowMs, long graceMs) {
        List<Long> due = new ArrayList<>();
        for (long p : open.keySet()) {
            if (periodStartMs(p + 1) + graceMs <= nowMs) {
                due.add(p);
            }
        }
        return due;
    }

    /** Removes period {@code p} (which must be the oldest open one) and gives its counts. */
    Closed close(long p) {
        Map<String, Map<List<String>, PolicyCounts>> domains = open.remove(p);
        firstOffsets.remove(p);
        closedUpTo = Math.max(closedUpTo, p);
        Map<String, List<PolicyCounts>> out = new TreeMap<>();
        if (domains != null) {
            domains.forEach((d, byPolicy) -> out.put(d, List.copyOf(byPolicy.values())));
        }
        return new Closed(p, out);
    }

    /**
     * The offset to commit for each of {@code partitions} once every period up to the last
     * closed one is reported: the first offset of a later open period there, else {@code position}.
     */
    Map<Integer, Long> commitOffsets(Set<Integer> partitions, java.util.function.IntToLongFunction position) {
        Map<Integer, Long> out = new HashMap<>();
        for (int tp : partitions) {
            long o = position.applyAsLong(tp);
            for (Map<Integer, Long> first : firstOffsets.values()) {
                Long f = first.get(tp);
                if (f != null && f < o) {
                    o = f;
                }
            }
            out.put(tp, o);
        }
        return out;
    }

    /** Forgets everything (the partitions moved: their records are read again from the committed offsets). */
    void clear() {
        open.clear();
        firstOffsets.clear();
    }

    /** Results of domains beyond {@code maxDomains}, not reported. */
    long overflow() {
        return overflow;
    }

    boolean isEmpty() {
        return open.isEmpty();
    }
}
