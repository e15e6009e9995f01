{
  "targets": [
    {
      "target_name": "simdot",
      "variables": {
        # 1 for a Windows build with a GNU toolchain (the mingw-w64 cross build of
        # scripts/prebuild.mjs, which ships as the win32-x64 prebuild): it assembles the .S kernels.
        "simdot_win_gnu%": 0
      },
      "sources": [
        "native/addon.cc",
        "native/dispatch.cc",
        "native/table.c",
        "native/search.cc",
        "native/pool.cc",
        "native/cpu_x86_64.cc",
        "native/cpu_aarch64.cc",
        "native/cpu_other.cc",
        "native/scalar.c",
        "native/bandwidth.c"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native",
        "asm/include"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED",
        # A throw that cannot happen because the environment is going away (a worker terminated
        # inside a call, process.exit() meanwhile) is dropped instead of aborting the process.
        "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"
      ],
      # -ffp-contract=off: the affine search score is two multiplications and an addition, never
      # fused, so every tier and the TypeScript one round it alike.
      "cflags": ["-O3", "-fvisibility=hidden", "-Wall", "-Wextra", "-ffp-contract=off",
                 # Reproducible binaries: no build directory in the objects (__FILE__, debug
                 # info) and no build id, so the same sources give the same file anywhere.
                 "-ffile-prefix-map=<(module_root_dir)=."],
      # C++ exceptions on: allocation failure (a k as large as the rows) is caught and becomes a
      # RangeError, where -fno-exceptions would abort the process.
      "cflags_cc": ["-std=c++17", "-fexceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "ldflags": ["-Wl,--build-id=none"],
      "xcode_settings": {
        "GCC_OPTIMIZATION_LEVEL": "3",
        "GCC_SYMBOLS_PRIVATE_EXTERN": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "OTHER_CFLAGS": ["-ffp-contract=off"],
        "MACOSX_DEPLOYMENT_TARGET": "11.0"
      },
      "msvs_settings": {
        "VCCLCompilerTool": { "AdditionalOptions": ["/std:c++17"], "ExceptionHandling": 1 }
      },
      "conditions": [
        # The GNU-syntax .S kernels need a GNU-compatible assembler (gcc or clang); MSVC builds
        # get the portable kernels only.
        # scalar_popcnt.c: the portable Hamming kernels with POPCNT, which the x86-64 table
        # lists (kernels_x86_64.def), so it goes with the kernels; its functions alone are
        # compiled for POPCNT (a target attribute), not the rest of the addon.
        ["target_arch=='x64' and (OS!='win' or simdot_win_gnu==1)", {
          "sources": [
            "asm/x86_64/dot_avx2.S",
            "asm/x86_64/dotsq_avx2.S",
            "asm/x86_64/hamming_avx2.S",
            "asm/x86_64/dot_avx512vnni.S",
            "asm/x86_64/dotsq_avx512vnni.S",
            "asm/x86_64/hamming_avx512vnni.S",
            "native/scalar_popcnt.c"
          ]
        }],
        ["OS!='win' and target_arch=='arm64'", {
          "sources": [
            "asm/aarch64/dot_neon.S",
            "asm/aarch64/dot_neondot.S",
            "asm/aarch64/dot_i8mm.S",
            "asm/aarch64/hamming_neon.S"
          ]
        }],
        ["OS=='win' and simdot_win_gnu==0", {
          "defines": ["SIMDOT_NO_ASM"]
        }]
      ]
    }
  ]
}
