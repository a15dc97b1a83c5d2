package warmwire.session.readyq;

import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * NAME
 *   EventLoopContexts - one Vert.x context on each event loop, for the site queues to spread over.
 * DESCRIPTION
 *   A site queue lives on one context (its state is touched on one thread only), and the
 *   sites of an instance spread round-robin over the event loops, so that all cores serve
 *   them. Vert.x's public API makes a context per event loop by deploying a verticle with one
 *   instance per loop (each instance gets the next loop); this class deploys an empty one and
 *   keeps the instances' contexts. Several sites share a context: they share its thread
 *   anyway.
 * BUGS
 *   Called on a Vert.x thread (where it cannot wait for the deployment) it returns the current
 *   context only: every site then runs on that one loop.
 */
final class EventLoopContexts {
    private EventLoopContexts() {
    }

    /** One context per event loop of {@code vertx} (waits for the deployment, at most 30 s). */
    static List<Context> of(Vertx vertx) {
        if (Context.isOnVertxThread()) {
            return List.of(vertx.getOrCreateContext());
        }
        int loops = 0;
        for (EventExecutor ignored : vertx.nettyEventLoopGroup()) {
            loops++;
        }
        List<Context> contexts = new CopyOnWriteArrayList<>();
        try {
            vertx.deployVerticle(() -> new AbstractVerticle() {
                @Override
                public void start() {
                    contexts.add(context);
                }
            }, new DeploymentOptions().setInstances(Math.max(1, loops))).toCompletionStage().toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while making the event loops' contexts", e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot make the event loops' contexts: " + e, e);
        }
        return List.copyOf(contexts);
    }
}
