/**
 * SUMMARY
 *   Infinispan (Hot Rod) helpers shared by the writers of derived state, at the bottom of the
 *   module: they import no other package of it.
 * DESCRIPTION
 *   {@link warmwire.session.infinispan.LazyCache} opens a cache at its first use, off the event
 *   loops; the ticket store (tls), the shard map (shard) and the dead-site publisher (ops) use it.
 */
package warmwire.session.infinispan;
