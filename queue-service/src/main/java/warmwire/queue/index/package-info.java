/**
 * SUMMARY
 *   The queue index: derived per-message state in Infinispan, never the mail itself.
 */
package warmwire.queue.index;
