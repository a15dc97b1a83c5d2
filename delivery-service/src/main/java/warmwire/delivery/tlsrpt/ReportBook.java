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
 *   Pure bookkeeping for {@link TlsReportLoop}. Periods are multiples of {@code periodMs} since
 *   the epoch (UTC days for 1 d). A result counts in the period of its record's timestamp, but
 *   never in one before a period its partition already had (so, per partition, periods follow
 *   offsets), nor in a period already closed: such a late result counts in the period after the
 *   last closed one. Per period and domain, per policy (type and policy string): successes,
 *   failures, and failures by result type, MX host and address with the first reason seen. At
 *   most {@code maxDomains} domains per period: results of further domains are counted as
 *   {@link #overflow()} and not reported.
 *
 *   Exactly once: since periods follow offsets on each partition, when a period closes every
 *   record before the first record of the later periods is counted in it or before, and every
 *   record from there on in a later one. The offsets committed with a period's reports are
 *   those first records (or the consumer's position where there is none), and the number of
 *   the last closed period goes with them ({@link #commitMetadata()}, restored by
 *   {@link #closedAtLeast}): after a crash or a rebalance the records from the committed
 *   offsets are counted exactly as before, in the same periods.
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
    /** partition -> the latest period a record of it counted in. */
    private final Map<Integer, Long> lastPeriod = new HashMap<>();
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
    void add(int partition, long offset, long timestampMs, TlsResult r) {
        long p = Math.max(period(timestampMs), lastPeriod.getOrDefault(partition, Long.MIN_VALUE));
        if (closedUpTo != Long.MIN_VALUE && p <= closedUpTo) {
            p = closedUpTo + 1;
        }
        lastPeriod.put(partition, p);
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

    /** Forgets the counts (the partitions moved: their records are read again from the committed offsets). */
    void clear() {
        open.clear();
        firstOffsets.clear();
        lastPeriod.clear();
    }

    /** What goes with committed offsets: the last closed period. */
    String commitMetadata() {
        return closedUpTo == Long.MIN_VALUE ? "" : "closed=" + closedUpTo;
    }

    /** Takes the last closed period from committed offsets' {@link #commitMetadata} (ignores anything else). */
    void closedAtLeast(String metadata) {
        if (metadata != null && metadata.startsWith("closed=")) {
            try {
                closedUpTo = Math.max(closedUpTo, Long.parseLong(metadata.substring(7)));
            } catch (NumberFormatException e) {
                // not ours: nothing closed is known
            }
        }
    }

    /** Results of domains beyond {@code maxDomains}, not reported. */
    long overflow() {
        return overflow;
    }

    boolean isEmpty() {
        return open.isEmpty();
    }
}
