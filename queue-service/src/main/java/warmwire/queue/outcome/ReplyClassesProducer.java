package warmwire.queue.outcome;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import warmwire.contracts.classify.ReplyRules;
import warmwire.queue.QueueConfig;

/**
 * The reply classes of queue-service's events: {@code warmwire.reply-classes.file} if set (a bad
 * file stops the start, naming the line), else the rules contracts ships.
 */
@ApplicationScoped
public class ReplyClassesProducer {
    @Produces
    @Singleton
    ReplyRules rules(QueueConfig config) {
        return ReplyRules.load(config.replyClasses().file().orElse(null));
    }
}
