package warmwire.session.infinispan;

import java.util.function.Supplier;
import org.infinispan.client.hotrod.RemoteCache;

/**
 * NAME
 *   LazyCache - an Infinispan cache opened at its first use, off the event loops.
 * DESCRIPTION
 *   Opening a Hot Rod cache blocks (and creates it from its configuration when missing), so the
 *   writers of derived state (shard map, ticket store) open theirs on their own threads at first
 *   use. A failed open is tried again at the next use.
 */
public final class LazyCache implements Supplier<RemoteCache<String, String>> {
    private final String name;
    private final Supplier<RemoteCache<String, String>> open;
    private volatile RemoteCache<String, String> cache;

    public LazyCache(String name, Supplier<RemoteCache<String, String>> open) {
        this.name = name;
        this.open = open;
    }

    /** The cache; throws IllegalStateException when it cannot be opened now. */
    @Override
    public RemoteCache<String, String> get() {
        RemoteCache<String, String> c = cache;
        if (c == null) {
            c = open.get();
            if (c == null) {
                throw new IllegalStateException("cache " + name + " not available");
            }
            cache = c;
        }
        return c;
    }
}
