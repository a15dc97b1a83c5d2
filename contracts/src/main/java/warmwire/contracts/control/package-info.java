/**
 * SUMMARY
 *   An operator's decision on mail.control: hold, delete or retry a message, suspend a site.
 */
package warmwire.contracts.control;
