/**
 * SUMMARY
 *   Every record from a topic is judged before it is used: one check per record type, against
 *   the bounds of RecordLimits; an invalid record becomes a dead letter with its reason.
 * DESCRIPTION
 *   {@link warmwire.contracts.check.Checked} is the verdict; the checks are pure and read the
 *   JSON field by field ({@code Fields}); {@link warmwire.contracts.check.DeadLetterProducer}
 *   writes {@link warmwire.contracts.check.InternalDeadLetter}s to mail.internal.dlq.
 */
package warmwire.contracts.check;
