/**
 * SUMMARY
 *   Deferred mail: how long it waits and on which tier (Backoff), what one outcome causes
 *   (OutcomePlan), the operators' decisions in force, followed from mail.control
 *   (OperatorDecisions), and the scheduler that moves due mail back to mail.route when it is
 *   due and the decisions allow (RetryScheduler).
 */
package warmwire.queue.retry;
