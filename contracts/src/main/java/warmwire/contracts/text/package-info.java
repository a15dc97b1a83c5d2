/**
 * SUMMARY
 *   Text from remote servers and clients, bounded before it is kept or published.
 */
package warmwire.contracts.text;
