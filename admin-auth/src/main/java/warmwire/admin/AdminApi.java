package warmwire.admin;

import jakarta.ws.rs.NameBinding;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the admin resources of a service, and binds {@link AdminAuthFilter} to them (JAX-RS name
 * binding): the filter runs for exactly the resources that carry it, whatever the request path
 * looks like, and for nothing else (health, metrics and OpenAPI stay open).
 */
@NameBinding
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
public @interface AdminApi {
}
