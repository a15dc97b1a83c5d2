/**
 * SUMMARY
 *   Outcomes: turning SMTP replies and failures into one result per recipient.
 * DESCRIPTION
 *   {@link warmwire.session.outcome.OutcomeCollector} is the mark-and-sweep ledger that makes
 *   sure no recipient of a job is left without a result;
 *   {@link warmwire.session.outcome.OutcomeBuilder} applies the reply-to-status rules and
 *   fills the contracts' DeliveryOutcome.
 */
package warmwire.session.outcome;
