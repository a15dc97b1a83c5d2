/**
 * SUMMARY
 *   Admin REST of queue-service, one resource per endpoint, all behind a bearer token.
 */
package warmwire.queue.admin;
