/**
 * SUMMARY
 *   The Kafka side: mail.deliver in, mail.outcome out, with a bounded number of jobs in flight.
 * DESCRIPTION
 *   {@link warmwire.session.agent.DeliveryJobConsumer} starts each job at once unless the
 *   in-flight bound ({@link warmwire.session.agent.InFlightLimit}) is reached, so a slow site
 *   never holds back the jobs behind it; a job's record is acknowledged only after its
 *   outcome record is. {@link warmwire.session.agent.DeliveryAgent} wires the SMTP engine
 *   from configuration.
 */
package warmwire.session.agent;
