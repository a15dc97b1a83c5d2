/**
 * SUMMARY
 *   The admin endpoints' authentication, one for every service: the bearer-token rule
 *   ({@link warmwire.admin.BearerToken}), the name binding that marks admin resources
 *   ({@link warmwire.admin.AdminApi}), the JAX-RS filter ({@link warmwire.admin.AdminAuthFilter})
 *   and its key ({@link warmwire.admin.AdminConfig}).
 */
package warmwire.admin;
