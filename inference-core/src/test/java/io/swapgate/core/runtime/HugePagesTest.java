package io.swapgate.core.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HugePagesTest {

    @Test
    void askedForAndOfferedOnRequestTheyAreUsed() {
        assertEquals("huge pages", HugePages.state("1", "always [madvise] never\n"));
        assertEquals("huge pages", HugePages.state("1", "[always] madvise never\n"));
    }

    @Test
    void notAskedForTheSettingIsNamed() {
        assertTrue(HugePages.state(null, "always [madvise] never\n").contains("THP_MEM_ALLOC_ENABLE=1"));
        assertTrue(HugePages.state("0", "always [madvise] never\n").startsWith("4 KiB pages"));
    }

    @Test
    void askedForOnAKernelThatRefusesThemTheKernelIsNamed() {
        assertTrue(HugePages.state("1", "always madvise [never]\n").contains("kernel"));
        assertTrue(HugePages.state("1", null).startsWith("4 KiB pages"));
    }
}
