package warmwire.contracts.shape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProvidersTest {

    @Test
    void thePresetsNameTheBigProvidersByTheirMxHosts() {
        Providers p = Providers.presets();
        assertEquals("google", p.of(List.of("alt1.aspmx.l.google.com", "aspmx.l.google.com")).name());
        assertEquals("google", p.of(List.of("gmail-smtp-in.l.google.com")).name());
        Provider yahoo = p.of(List.of("mta5.am0.yahoodns.net", "mta6.am0.yahoodns.net"));
        assertEquals("yahoo", yahoo.name());
        assertEquals(20, yahoo.maxDeliveriesPerConnection());
        assertNull(p.of(List.of("example-com.mail.protection.outlook.com")), "Microsoft 365 tenants stand alone");
        assertEquals("microsoft", p.of(List.of("hotmail-com.olc.protection.outlook.com")).name());
        assertEquals("apple", p.of(List.of("mx01.mail.icloud.com", "mx02.mail.icloud.com")).name());
        assertTrue(p.all().stream().allMatch(x -> x.maxConnections() > 0 && x.maxDeliveriesPerConnection() > 0));
    }

    @Test
    void everyHostMustBelongAndANameIsNotASuffixOfAnother() {
        Providers p = Providers.presets();
        assertNull(p.of(List.of("aspmx.l.google.com", "backup.example.com")), "one host of another operator: no provider");
        assertNull(p.of(List.of("mx.notgoogle.com")), "a label boundary, not a string suffix");
        assertNull(p.of(List.of()));
        assertNull(Providers.none().of(List.of("aspmx.l.google.com")));
    }

    @Test
    void anOperatorsFileMayWriteDomainsThreeWaysAndTheFirstProviderWins() {
        Providers p = Providers.parse("""
                # test
                [big]
                mx = *.big.test, .other.test last.test   # three forms
                max-connections = 3
                message-rate = 2.5
                connection-rate = 30
                connection-burst = 2

                [small]
                mx = mx.big.test
                max-deliveries-per-connection = 7
                """, "t");
        Provider big = p.of(List.of("mx.big.test", "a.b.other.test", "last.test"));
        assertEquals("big", big.name());
        assertEquals(List.of("big.test", "other.test", "last.test"), big.domains());
        assertEquals(3, big.maxConnections());
        assertEquals(0, big.maxDeliveriesPerConnection());
        assertEquals(2.5, big.messageRate());
        assertEquals(1, big.messageBurst());
        assertEquals(30, big.connectionRate());
        assertEquals(2, big.connectionBurst());
        assertEquals("big", p.of(List.of("MX.Big.Test.")).name(), "hosts compare as names");
        assertEquals(7, p.named("small").maxDeliveriesPerConnection());
        assertEquals("provider:big", big.shardKey());
    }

    @Test
    void aBadFileStopsTheStartWithItsLine() {
        assertEquals("providers file f line 2: unknown key max-conections", assertThrows(IllegalArgumentException.class,
                () -> Providers.parse("[a]\nmax-conections = 1\nmx = a.test\n", "f")).getMessage());
        assertEquals("providers file f line 1: provider a has no mx domains", assertThrows(IllegalArgumentException.class,
                () -> Providers.parse("[a]\nmax-connections = 1\n", "f")).getMessage());
        assertEquals("providers file f line 1: provider a has no mx domains", assertThrows(IllegalArgumentException.class,
                () -> Providers.parse("[a]\nmax-connections = 1\n[b]\nmx = b.test\n", "f")).getMessage(),
                "the line of the section that lacks it, not of the next");
        assertEquals("providers file f line 3: provider a named twice", assertThrows(IllegalArgumentException.class,
                () -> Providers.parse("[a]\nmx = a.test\n[a]\nmx = b.test\n", "f")).getMessage());
        assertEquals("providers file f line 1: a key before the first [provider]", assertThrows(IllegalArgumentException.class,
                () -> Providers.parse("mx = a.test\n", "f")).getMessage());
        assertEquals("providers file f line 2: max-connections must be a whole number, 0 or more: -1",
                assertThrows(IllegalArgumentException.class,
                        () -> Providers.parse("[a]\nmax-connections = -1\nmx = a.test\n", "f")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Providers.parse("[A b]\nmx = a.test\n", "f"))
                .getMessage().startsWith("providers file f line 1: provider name must be"));
        assertEquals("providers file f line 2: mx domain *x.test: a domain, or *.domain",
                assertThrows(IllegalArgumentException.class, () -> Providers.parse("[a]\nmx = *x.test\n", "f")).getMessage());
    }
}
