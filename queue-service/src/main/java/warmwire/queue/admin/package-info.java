/**
 * SUMMARY
 *   Admin REST of queue-service: {@link warmwire.queue.admin.QueueActions} serves every
 *   /admin/v1 endpoint, behind admin-auth's bearer-token filter; {@link warmwire.queue.admin.AdminInput}
 *   bounds and checks what callers send, {@link warmwire.queue.admin.AdminErrors} answers JSON errors.
 */
package warmwire.queue.admin;
