/**
 * SUMMARY
 *   Small best-effort facts kept in an Infinispan cache under one key prefix.
 */
package warmwire.contracts.marks;
