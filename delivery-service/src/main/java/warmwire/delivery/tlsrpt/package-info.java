/**
 * SUMMARY
 *   TLS reporting (RFC 8460): {@link warmwire.delivery.tlsrpt.TlsReportLoop} counts the TLS
 *   results of mail.tls-results per policy domain and period ({@link warmwire.delivery.tlsrpt.ReportBook})
 *   and writes each closed period's reports ({@link warmwire.delivery.tlsrpt.TlsReportWriter})
 *   to mail.tlsrpt with the domain's rua ({@link warmwire.delivery.tlsrpt.TlsRptRecord}).
 * BUGS
 *   Reports go to mail.tlsrpt, and with warmwire.tlsrpt.mail-from set are mailed to the
 *   rua's mailto: addresses through Warmwire ({@link warmwire.delivery.tlsrpt.ReportMail}),
 *   not DKIM-signed yet (RFC 8460 asks for it); https: rua are left to a consumer of
 *   mail.tlsrpt. A session counts once per delivery attempt (a job): with a
 *   warm connection, each job on it counts as a session. No sending-mta-ip (the source address
 *   is the machine's). A failed MTA-STS policy fetch counts once per fetch.
 */
package warmwire.delivery.tlsrpt;
