/**
 * SUMMARY
 *   Dispatch: mail.route in; per recipient domain a route (routes file, then DNS); recipients
 *   grouped by site into delivery jobs on mail.deliver (key = site), routing failures as one
 *   outcome per message on mail.outcome (key = message id).
 */
package warmwire.delivery.dispatch;
