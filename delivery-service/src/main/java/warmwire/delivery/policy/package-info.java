/**
 * SUMMARY
 *   Routing policy: the routes file (static routes in Postfix transport(5) syntax), parsed,
 *   looked up by recipient domain, and reloaded when it changes.
 */
package warmwire.delivery.policy;
