/*
 * bcryptprimitives.c - a stand-in for Windows' bcryptprimitives.dll, for running the test suite
 * under wine 8 (Debian 12), which lacks that DLL. The Rust standard library takes its random
 * numbers from ProcessPrng there, so every Rust-built native package (vitest's bundler, rolldown,
 * among them) fails to load without it. Real Windows (10 and later) has the DLL; this one only
 * serves wine.
 *
 * ProcessPrng is RtlGenRandom (advapi32's SystemFunction036), which wine has, in chunks of
 * what a ULONG can count. Build (scripts/check-windows.sh does):
 *   x86_64-w64-mingw32-gcc -O2 -shared -o bcryptprimitives.dll bcryptprimitives.c \
 *     bcryptprimitives.def -ladvapi32
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
  while (length > 0) {
    ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
    if (!SystemFunction036(data, chunk)) return FALSE;
    data += chunk;
    length -= chunk;
  }
  return TRUE;
}
