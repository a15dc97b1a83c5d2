/**
 * SUMMARY
 *   Readers that follow a compacted topic into memory, on the services' own Kafka clients.
 * DESCRIPTION
 *   {@link warmwire.contracts.follow.ControlFollower} follows mail.control: the operators'
 *   decisions ({@link warmwire.contracts.control.ControlState}), each judged by
 *   {@link warmwire.contracts.check.ControlStateCheck} before it applies. Above the records and
 *   their checks: nothing below imports this package.
 */
package warmwire.contracts.follow;
