package warmwire.pipeline;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import org.apache.kafka.common.TopicPartition;

/**
 * NAME
 *   CommitPoints - which records of each input partition are done, as the offset commit records it.
 * DESCRIPTION
 *   Records of one partition finish out of order (a slow site or a slow DNS answer never holds
 *   back the others, DESIGN principle 4), but Kafka commits one offset per partition. The
 *   committed offset is therefore the lowest record not done, and the records done above it
 *   travel in the commit's metadata string, committed in the same Kafka transaction as their
 *   output ({@link ExactlyOnceLoop}). A new owner of the partition (after a move, a restart or
 *   a crash) reads both and skips the records the metadata says are done: no record whose
 *   output is committed is worked again (a job delivered again), and no per-record mark is
 *   written anywhere else.
 *   Per partition, step by step:
 *     - {@code base}: the committed offset; {@code limit}: every offset in [base, limit) is
 *       known, and done unless it is in {@code undone};
 *     - a fetched record at or above {@code limit} is started: it goes into {@code undone}, and
 *       the offsets it skipped (transaction markers, aborted records) are done;
 *     - a fetched record below {@code limit} that is not in {@code undone} was done by an
 *       earlier owner: {@link #fetched} says skip it;
 *     - {@link #finished}: its output is committed, it leaves {@code undone};
 *     - the commit: offset = the lowest undone (or {@code limit}); metadata, when records above
 *       it are done, {@code w1:<limit - offset>:<undone - offset, base 36, comma-separated>}.
 *   The metadata is bounded ({@code maxMetadata}, the broker's {@code offset.metadata.max.bytes},
 *   4096 by default): when the undone offsets of one partition do not fit, the commit keeps
 *   the lowest ones and lowers {@code limit} to the first it leaves out, so the records done
 *   above it are redone after a crash (counted: {@link #truncations}). That takes hundreds of
 *   records stuck behind one partition's oldest; the in-flight bound keeps it rare.
 *   Not thread-safe: the loop's thread only.
 */
final class CommitPoints {
    static final String VERSION = "w1";

    private final int maxMetadata;
    private final Map<TopicPartition, Part> parts = new HashMap<>();
    private long truncations;

    CommitPoints(int maxMetadata) {
        this.maxMetadata = maxMetadata;
    }

    /** What to do with a fetched record. */
    enum Fetch {
        /** Start it (it is counted undone until {@link #finished}). */
        START,
        /** An earlier owner committed its outcome: skip it. */
        DONE
    }

    private static final class Part {
        long base;
        long limit;
        final TreeSet<Long> undone = new TreeSet<>();
        boolean changed;
    }

    /**
     * The partition was assigned: its committed offset ({@code -1}: none yet; the first fetched
     * record starts the count) and the metadata committed with it (null or empty: no jobs above
     * it were done, or an older writer).
     */
    void assigned(TopicPartition partition, long committed, String metadata) {
        Part p = new Part();
        p.base = committed;
        p.limit = committed;
        if (committed >= 0 && metadata != null && metadata.startsWith(VERSION + ":")) {
            try {
                String[] f = metadata.split(":", 3);
                p.limit = committed + Long.parseLong(f[1], 36);
                if (p.limit > committed) {
                    p.undone.add(committed); // the commit point itself is the lowest unfinished job
                }
                if (f.length > 2 && !f[2].isEmpty()) {
                    for (String u : f[2].split(",")) {
                        p.undone.add(committed + Long.parseLong(u, 36));
                    }
                }
                if (p.limit < committed || (!p.undone.isEmpty() && p.undone.last() >= p.limit)) {
                    throw new IllegalArgumentException("out of range");
                }
            } catch (RuntimeException e) {
                p.limit = committed; // unreadable: nothing known above the offset, every job is delivered
                p.undone.clear();
            }
        }
        parts.put(partition, p);
    }

    /** The partition went away (revoked after its last commit, or lost): its state is dropped. */
    void removed(TopicPartition partition) {
        parts.remove(partition);
    }

    boolean owns(TopicPartition partition) {
        return parts.containsKey(partition);
    }

    /** A record of {@code partition} at {@code offset} was fetched: start it or skip it. */
    Fetch fetched(TopicPartition partition, long offset) {
        Part p = parts.get(partition);
        if (p == null) {
            throw new IllegalStateException(partition + " not assigned");
        }
        if (p.base < 0) {
            p.base = offset;
            p.limit = offset;
        }
        if (offset < p.limit) {
            return p.undone.contains(offset) ? Fetch.START : Fetch.DONE;
        }
        p.undone.add(offset);
        p.limit = offset + 1;
        p.changed = true;
        return Fetch.START;
    }

    /** The consumer's position after a poll: the offsets below it that no record came for are done (markers). */
    void position(TopicPartition partition, long position) {
        Part p = parts.get(partition);
        if (p == null || p.base < 0 || position <= p.limit) {
            return;
        }
        p.limit = position;
        p.changed = true;
    }

    /** The job at {@code offset} has its outcome committed (or needs none). */
    void finished(TopicPartition partition, long offset) {
        Part p = parts.get(partition);
        if (p != null && p.undone.remove(offset)) {
            p.changed = true;
        }
    }

    /** The commit that would have finished the job at {@code offset} failed: it is undone again. */
    void unfinished(TopicPartition partition, long offset) {
        Part p = parts.get(partition);
        if (p != null && offset >= p.base && offset < p.limit && p.undone.add(offset)) {
            p.changed = true;
        }
    }

    /** Whether {@code partition} changed since its last {@link #commits}. */
    boolean changed(TopicPartition partition) {
        Part p = parts.get(partition);
        return p != null && p.changed;
    }

    /** The commit point of every partition that changed: offset and metadata. */
    Map<TopicPartition, Commit> commits() {
        Map<TopicPartition, Commit> out = new HashMap<>();
        parts.forEach((n, p) -> {
            if (p.changed && p.base >= 0) {
                out.put(n, commit(p));
            }
        });
        return out;
    }

    /** The commit point of one partition (null when nothing was fetched and nothing is known). */
    Commit commit(TopicPartition partition) {
        Part p = parts.get(partition);
        return p == null || p.base < 0 ? null : commit(p);
    }

    /** The commits were written: the partitions are unchanged until their next change. */
    void committed(Map<TopicPartition, Commit> commits) {
        commits.forEach((n, c) -> {
            Part p = parts.get(n);
            if (p != null) {
                p.changed = false;
                p.base = c.offset();
            }
        });
    }

    /** How often the undone offsets of a partition did not fit the metadata. */
    long truncations() {
        return truncations;
    }

    /** Jobs started and not finished, all partitions. */
    int undone() {
        return parts.values().stream().mapToInt(p -> p.undone.size()).sum();
    }

    private Commit commit(Part p) {
        long offset = p.undone.isEmpty() ? p.limit : Math.min(p.undone.first(), p.limit);
        if (offset == p.limit || p.limit - offset == p.undone.size()) { // nothing done above the offset
            return new Commit(offset, "");
        }
        StringBuilder b = new StringBuilder(32);
        b.append(VERSION).append(':');
        int lengthAt = b.length();
        b.append(Long.toString(p.limit - offset, 36)).append(':');
        long limit = p.limit;
        boolean first = true;
        for (long u : p.undone) {
            if (u == offset) {
                continue;
            }
            String d = Long.toString(u - offset, 36);
            if (b.length() + d.length() + 1 + 16 > maxMetadata) {
                limit = u; // the rest is left out: known up to the first one that does not fit
                truncations++;
                break;
            }
            if (!first) {
                b.append(',');
            }
            b.append(d);
            first = false;
        }
        if (limit != p.limit) {
            String tail = b.substring(lengthAt + Long.toString(p.limit - offset, 36).length());
            b.setLength(lengthAt);
            b.append(Long.toString(limit - offset, 36)).append(tail);
        }
        return new Commit(offset, b.toString());
    }

    /** One partition's commit: the offset to commit and its metadata. */
    record Commit(long offset, String metadata) {
    }
}
