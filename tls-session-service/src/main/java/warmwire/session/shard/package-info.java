/**
 * SUMMARY
 *   The shards: which partitions of mail.deliver (and so which sites) this instance owns.
 * DESCRIPTION
 *   {@link warmwire.session.shard.Ownership} is the fence every job passes;
 *   {@link warmwire.session.shard.ShardListener} moves partitions in and out of it as the
 *   delivery loop's consumer group rebalances, and tells the connections below through
 *   {@link warmwire.session.shard.ShardedConnections}; {@link warmwire.session.shard.ShardMap}
 *   publishes the map in Infinispan for {@code GET /admin/v1/shards}. See the module README,
 *   SHARDS.
 */
package warmwire.session.shard;
