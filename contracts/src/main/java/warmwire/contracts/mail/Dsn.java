package warmwire.contracts.mail;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * RFC 3461 delivery status notification request: NOTIFY, RET and ENVID. ({@code notify} is a
 * method of Object, so the component is named {@code notifyOn} and mapped to JSON "notify".)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Dsn(@JsonProperty("notify") List<String> notifyOn, String ret, String envid) {
}
