package io.swapgate.gateway.tenancy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class UsageLedgerTest {

    /** Past the metered tenants, each tenant's usage is still its own: it never reads another's through a shared entry. */
    @Test
    void aTenantPastTheMeteredOnesSeesOnlyItsOwnUsage() {
        List<String> metered = new ArrayList<>();
        UsageLedger ledger = new UsageLedger(usage -> metered.add(usage.tenant()));
        for (int t = 0; t < UsageLedger.MAX_TENANTS + 44; t++) {
            ledger.of("t" + t).admitted(0);
        }
        ledger.of("t299").admitted(0);
        assertEquals(2, ledger.of("t299").requests());
        assertEquals(1, ledger.of("t298").requests());
        assertEquals(UsageLedger.MAX_TENANTS, metered.size(), "meters for the first tenants only");
        assertEquals("t0", ledger.metricTag("t0"));
        assertEquals(UsageLedger.OTHER_TENANTS, ledger.metricTag("t299"));
        assertEquals(UsageLedger.MAX_TENANTS + 44, ledger.all().size());
    }
}
