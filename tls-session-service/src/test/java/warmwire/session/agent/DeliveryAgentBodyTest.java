package warmwire.session.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The job body is decoded once, with the same result as the MIME decoder used before. */
class DeliveryAgentBodyTest {

    @Test
    void plainAndLineBrokenBase64GiveTheSameBytes() {
        byte[] raw = new byte[5000];
        new Random(7).nextBytes(raw);
        String plain = Base64.getEncoder().encodeToString(raw);
        String mime = Base64.getMimeEncoder().encodeToString(raw);
        assertArrayEquals(raw, DeliveryAgent.body(plain));
        assertArrayEquals(raw, DeliveryAgent.body(mime), "line breaks are skipped, as by the MIME decoder");
        assertArrayEquals(raw, DeliveryAgent.body(plain.replace("=", "")), "missing padding");
    }

    @Test
    void emptyNullAndStrayCharacters() {
        assertEquals(0, DeliveryAgent.body(null).length);
        assertEquals(0, DeliveryAgent.body("").length);
        String odd = "U3Vi*amVjdDogaGk=";
        assertArrayEquals(Base64.getMimeDecoder().decode(odd), DeliveryAgent.body(odd), "lenient as before");
    }
}
