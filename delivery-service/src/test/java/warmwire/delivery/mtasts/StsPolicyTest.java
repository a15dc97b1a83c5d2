package warmwire.delivery.mtasts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** RFC 8461's TXT record, policy body and MX patterns, including what a hostile domain may publish. */
class StsPolicyTest {
    private static StsPolicy parse(String body) {
        return StsPolicy.parse(body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theRfcsExamplePolicyParses() {
        StsPolicy p = parse("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\n"
                + "mx: backupmx.example.com\r\nmax_age: 604800\r\n");
        assertEquals(StsPolicy.Mode.ENFORCE, p.mode());
        assertEquals(List.of("mail.example.com", "*.example.net", "backupmx.example.com"), p.mx());
        assertEquals(Duration.ofDays(7), p.maxAge());
    }

    @Test
    void lfLinesUnknownKeysAndBlanksAreAccepted() {
        StsPolicy p = parse("version: STSv1\nmode: testing\nmx: MX1.Example.ORG.\nfuture_key: x\n\nmax_age: 86400\n");
        assertEquals(StsPolicy.Mode.TESTING, p.mode());
        assertTrue(p.matches("mx1.example.org"));
        StsPolicy none = parse("version: STSv1\nmode: none\nmax_age: 0\n");
        assertEquals(StsPolicy.Mode.NONE, none.mode());
    }

    @Test
    void aBrokenPolicyIsNoPolicyAndSaysWhy() {
        String ok = "version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 86400\n";
        assertEquals(StsPolicy.Mode.ENFORCE, parse(ok).mode());
        for (String[] bad : new String[][] {
                {"mode: enforce\nmx: mx.example.com\nmax_age: 86400\n", "no version"},
                {"version: STSv2\nmode: enforce\nmx: mx.example.com\nmax_age: 86400\n", "version is not STSv1"},
                {"version: STSv1\nmode: block\nmx: mx.example.com\nmax_age: 86400\n", "unknown mode"},
                {"version: STSv1\nmode: enforce\nmx: mx.example.com\n", "no max_age"},
                {"version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 31557601\n", "max_age is not"},
                {"version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: -1\n", "max_age is not"},
                {"version: STSv1\nmode: enforce\nmax_age: 86400\n", "no mx pattern"},
                {"version: STSv1\nmode: enforce\nmx: *.*.example.com\nmax_age: 86400\n", "not an MX pattern"},
                {"version: STSv1\nmode: enforce\nmx: mx..example.com\nmax_age: 86400\n", "not an MX pattern"},
                {"version: STSv1\nmode: enforce\nmode: none\nmx: mx.example.com\nmax_age: 86400\n", "mode given twice"},
                {"<html>not a policy</html>\n", "not a key: value line"}}) {
            StsPolicyException e = assertThrows(StsPolicyException.class, () -> parse(bad[0]), bad[1]);
            assertTrue(e.getMessage().contains(bad[1]), bad[1] + ": " + e.getMessage());
        }
        byte[] huge = new byte[StsPolicy.MAX_BODY + 1];
        assertThrows(StsPolicyException.class, () -> StsPolicy.parse(huge));
    }

    @Test
    void aWildcardMatchesExactlyOneLabel() {
        StsPolicy p = parse("version: STSv1\nmode: enforce\nmx: *.example.com\nmx: mail.example.org\nmax_age: 60\n");
        assertTrue(p.matches("mx1.example.com"));
        assertTrue(p.matches("MX1.EXAMPLE.COM."), "case and a trailing dot do not matter");
        assertFalse(p.matches("example.com"), "the wildcard needs a label");
        assertFalse(p.matches("a.b.example.com"), "one label only");
        assertFalse(p.matches("mx1.evilexample.com"));
        assertTrue(p.matches("mail.example.org"));
        assertFalse(p.matches("x.mail.example.org"), "a plain pattern matches itself only");
    }

    @Test
    void theTxtRecordNamesThePolicyId() {
        assertEquals(Optional.of("20160831085700Z"), StsRecord.id(List.of("v=STSv1; id=20160831085700Z;")));
        assertEquals(Optional.of("abc123"), StsRecord.id(List.of("v=STSv1;id=abc123", "some other record")));
        assertEquals(Optional.of("abc"), StsRecord.id(List.of("v=STSv1; ext=1; id=abc;")), "other fields ignored");
        assertEquals(Optional.empty(), StsRecord.id(List.of()));
        assertEquals(Optional.empty(), StsRecord.id(List.of("v=STSv1; id=a;", "v=STSv1; id=b;")), "two records: none");
        assertEquals(Optional.empty(), StsRecord.id(List.of("v=STSv1; id=;")));
        assertEquals(Optional.empty(), StsRecord.id(List.of("v=STSv1; id=" + "x".repeat(33) + ";")), "id of 33 characters");
        assertEquals(Optional.empty(), StsRecord.id(List.of("v=STSv1; id=a-b;")), "letters and digits only");
        assertEquals(Optional.empty(), StsRecord.id(List.of("v=STSv1; id=a; id=b;")));
        assertEquals(Optional.empty(), StsRecord.id(List.of("v=STSv1; ;id=a;")));
        assertEquals(Optional.empty(), StsRecord.id(List.of("v=STSv1;")), "no id");
        assertEquals(Optional.empty(), StsRecord.id(List.of("V=STSv1; id=a;")), "v=STSv1 is case-sensitive");
    }
}
