package warmwire.delivery.intake;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import warmwire.contracts.classify.ReplyRules;
import warmwire.delivery.DeliveryConfig;

/**
 * The reply classes of intake's rejected events: {@code warmwire.reply-classes.file} if set (a
 * bad file stops the start, naming the line), else the rules contracts ships.
 */
@ApplicationScoped
public class ReplyClassesProducer {
    @Produces
    @Singleton
    ReplyRules rules(DeliveryConfig config) {
        return ReplyRules.load(config.replyClasses().file().orElse(null));
    }
}
