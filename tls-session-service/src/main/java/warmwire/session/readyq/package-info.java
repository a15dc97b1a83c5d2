/**
 * SUMMARY
 *   The warm connection cache: per-site ready queues of jobs, live connections kept for reuse,
 *   and a concurrency window that adapts.
 * DESCRIPTION
 *   {@link warmwire.session.readyq.ConnectionCache} is the entry point: one
 *   {@link warmwire.session.readyq.SiteQueue} per site key, each confined to one Vert.x event
 *   loop (no locks), holding the site's waiting jobs and its {@link warmwire.session.readyq.CachedConnection}s.
 *   A job takes an idle connection of its cache key, or a new connection when the site is under
 *   its window and its connections cannot keep up. See the module README, CONNECTION REUSE.
 */
package warmwire.session.readyq;
