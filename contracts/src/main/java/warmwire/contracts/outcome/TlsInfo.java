package warmwire.contracts.outcome;

/**
 * How a delivery's connection was protected; absent (null) for a clear-text session.
 *
 * @param resumed  whether the TLS session was resumed (abbreviated handshake)
 * @param verified whether the peer's certificate chain and name were verified
 */
public record TlsInfo(String version, String cipher, boolean resumed, boolean verified) {
}
