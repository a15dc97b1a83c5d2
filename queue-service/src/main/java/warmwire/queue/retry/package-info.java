/**
 * SUMMARY
 *   Deferred mail: how long it waits and on which tier (Backoff), what one outcome causes
 *   (OutcomePlan), and the scheduler that moves due mail back to mail.route (RetryScheduler),
 *   gated by the operators' decisions on mail.control.
 */
package warmwire.queue.retry;
