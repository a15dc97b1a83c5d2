/**
 * SUMMARY
 *   The admin endpoints' authentication rule, the same for every service (bearer token).
 */
package warmwire.contracts.admin;
