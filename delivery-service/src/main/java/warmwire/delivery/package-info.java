/**
 * SUMMARY
 *   delivery-service: turns queued mail (mail.route) into delivery jobs keyed by site
 *   (mail.deliver), and routing failures into outcomes (mail.outcome).
 * DESCRIPTION
 *   {@code policy} reads the routes file (Postfix transport syntax); {@code mx} asks DNS for
 *   MX, A and AAAA records with the Vert.x DNS client; {@code dispatch} groups each message's
 *   recipients by site and talks to Kafka. {@link warmwire.delivery.DeliveryConfig} holds the
 *   settings.
 */
package warmwire.delivery;
