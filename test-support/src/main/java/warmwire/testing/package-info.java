/**
 * SUMMARY
 *   What the modules' tests share: {@link warmwire.testing.FakeRemoteCache}, one stand-in for a
 *   Hot Rod cache in unit tests (the Infinispan Server itself runs in the integration tests),
 *   {@link warmwire.testing.Poll}, Awaitility waits that fail with the last value seen, and
 *   {@link warmwire.testing.TestClock}, a clock the test moves.
 */
package warmwire.testing;
