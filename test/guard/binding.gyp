# Test-only addon for test/guard.test.ts: never part of the package (package.json "files" and the
# top-level binding.gyp leave it out). test/guard/setup.ts builds it when the suite starts.
{
  "targets": [
    {
      "target_name": "guard",
      "sources": ["guard.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O1", "-Wall", "-Wextra"]
    }
  ]
}
