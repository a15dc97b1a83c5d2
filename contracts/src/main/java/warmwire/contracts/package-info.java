/**
 * SUMMARY
 *   Warmwire's shared contracts: the topics (named once, from topics.tsv) and the Kafka client
 *   settings every service derives its clients from.
 * DESCRIPTION
 *   The record types live in the sub-packages by topic family (mail, route, outcome, control),
 *   their checks in check, the followers of compacted topics in follow. Layers import one way:
 *   records, then checks, then followers ({@code PackageLayersTest}).
 */
package warmwire.contracts;
