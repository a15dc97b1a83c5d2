/**
 * SUMMARY
 *   TLS reporting (RFC 8460): {@link warmwire.delivery.tlsrpt.TlsReportLoop} counts the TLS
 *   results of mail.tls-results per policy domain and period ({@link warmwire.delivery.tlsrpt.ReportBook})
 *   and writes each closed period's reports ({@link warmwire.delivery.tlsrpt.TlsReportWriter})
 *   to mail.tlsrpt with the domain's rua ({@link warmwire.delivery.tlsrpt.TlsRptRecord}).
 * BUGS
 *   Reports are written to a topic, not mailed or posted to the rua: a consumer of mail.tlsrpt
 *   (or an operator) sends them on. A session counts once per delivery attempt (a job): with a
 *   warm connection, each job on it counts as a session. No sending-mta-ip (the source address
 *   is the machine's). MTA-STS fetch errors (sts-policy-fetch-error) are not counted.
 */
package warmwire.delivery.tlsrpt;
