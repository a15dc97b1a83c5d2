/**
 * What a refusal says: the class of a non-delivered recipient's result ({@link
 * warmwire.contracts.classify.ReplyClass}) and the rules that find it ({@link
 * warmwire.contracts.classify.ReplyRules}), shared by queue-service (the class in each event) and
 * tls-session-service (throttling replies lower a site's limits).
 */
package warmwire.contracts.classify;
