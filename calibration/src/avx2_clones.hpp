#pragma once
// The hot calibration loops are compiled twice, for AVX2 and baseline x86-64, and the loader picks
// one through an ifunc resolver. Under ThreadSanitizer that resolver is instrumented and runs
// during relocation, before the TSan runtime exists, and the program crashes before main (GCC
// 12); a TSan build therefore gets the baseline version only.
#if defined(__SANITIZE_THREAD__)
#define PMAP_AVX2_CLONES
#else
#define PMAP_AVX2_CLONES __attribute__((target_clones("avx2", "default")))
#endif
