/*
 * win32-bind-node-api.c - linked into the win32-x64 prebuild (scripts/prebuild.mjs): binds the
 * Node-API functions the addon calls to the executable that loads it, whatever its name.
 *
 * The import library (dlltool -y, from node-api-headers' node_api.def) makes them delay-loaded
 * from "node.exe", so the Windows loader never looks for a file of that name. When the DLL is
 * attached, DllMain fills in all their addresses at once: from libnode.dll where the process has
 * one (Node.js built as a DLL), else from the process's executable, which is node.exe, a Node.js
 * single executable application, pkg, Electron... the job node-gyp's win_delay_load_hook does
 * for MSVC builds. All at once rather than at each function's first call:
 *   - binutils' x86-64 delay-load thunk does not keep xmm0-xmm3, so the first call of a function
 *     with a double argument (napi_create_double) would lose it;
 *   - an executable without Node-API makes LoadLibrary fail, which Node.js reports as an error
 *     (simdot then runs its TypeScript kernels), instead of a crash at some later call.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <delayimp.h>

extern IMAGE_DOS_HEADER __ImageBase;
/* dlltool names it after the import library's file, node.lib. */
extern const ImgDelayDescr __DELAY_IMPORT_DESCRIPTOR_node_lib;

static BOOL simdot_bind_node_api(void) {
  const char *image = (const char *)&__ImageBase;
  const ImgDelayDescr *d = &__DELAY_IMPORT_DESCRIPTOR_node_lib;
  if (!(d->grAttrs & dlattrRva)) return FALSE;
  HMODULE host = GetModuleHandleA("libnode.dll");
  if (host == NULL) host = GetModuleHandleA(NULL);
  const IMAGE_THUNK_DATA *name = (const IMAGE_THUNK_DATA *)(image + d->rvaINT);
  IMAGE_THUNK_DATA *address = (IMAGE_THUNK_DATA *)(image + d->rvaIAT);
  for (; name->u1.AddressOfData != 0; name++, address++) {
    if (IMAGE_SNAP_BY_ORDINAL(name->u1.Ordinal)) return FALSE;
    const IMAGE_IMPORT_BY_NAME *import = (const IMAGE_IMPORT_BY_NAME *)(image + name->u1.AddressOfData);
    FARPROC f = GetProcAddress(host, (const char *)import->Name);
    if (f == NULL) return FALSE;
    address->u1.Function = (ULONGLONG)(ULONG_PTR)f;
  }
  /* The module handle the delay-load helper would otherwise look up. */
  *(HMODULE *)(image + d->rvaHmod) = host;
  return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID reserved) {
  (void)instance;
  (void)reserved;
  return reason != DLL_PROCESS_ATTACH || simdot_bind_node_api();
}
