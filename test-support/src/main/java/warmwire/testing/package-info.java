/**
 * SUMMARY
 *   What the modules' unit tests share: {@link warmwire.testing.FakeRemoteCache}, one stand-in
 *   for a Hot Rod cache (the Infinispan Server itself runs in the integration tests).
 */
package warmwire.testing;
