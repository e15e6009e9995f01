// detect.cc - the addon's own CPU detection (native/cpu_x86_64.cc), linked into the bare-metal
// image so the harness can run it under operating-system states no real OS here would give us:
// AVX-512 in CPUID but its register state off in XCR0, AVX off, OSXSAVE off.
#include "dispatch.h"

// The tiers the addon would find supported: its feature detection, through the dispatch table.
extern "C" unsigned bochs_detect_tiers(void) { return simdot_supported_tiers(simdot_detect_cpu_features()); }
