/**
 * SUMMARY
 *   TLS reporting (RFC 8460): the policy a job is delivered under ({@link warmwire.contracts.tlsrpt.TlsPolicyRef})
 *   and the result of one attempt under it ({@link warmwire.contracts.tlsrpt.TlsResult}), the
 *   records delivery-service's report builder counts per policy domain and day.
 */
package warmwire.contracts.tlsrpt;
