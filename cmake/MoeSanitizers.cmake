# Instrumented builds (docs/Testing.md):
#   MOE_ENABLE_SANITIZERS  AddressSanitizer and UndefinedBehaviorSanitizer on
#                          everything this project compiles, assertions on
#                          whatever the build type
#   MOE_BUILD_FUZZERS      the fuzz targets of fuzz/ as libFuzzer binaries
#                          (clang only); the project's code gets libFuzzer's
#                          coverage instrumentation
# Debian's LLVM/MLIR libraries stay uninstrumented: errors inside them are
# found only where our code's checks see them.
option(MOE_ENABLE_SANITIZERS
  "Build with AddressSanitizer + UndefinedBehaviorSanitizer and assertions" OFF)
option(MOE_BUILD_FUZZERS
  "Build the fuzz targets with libFuzzer (needs clang)" OFF)

if(MOE_ENABLE_SANITIZERS)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    message(FATAL_ERROR "MOE_ENABLE_SANITIZERS needs GCC or clang")
  endif()
  # Any report is fatal, so a test that triggers one fails. The LLVM
  # libraries are built without RTTI, which UBSan's vptr check needs.
  set(MOE_SANITIZER_FLAGS -fsanitize=address,undefined
    -fno-sanitize-recover=all -fno-sanitize=vptr -fno-omit-frame-pointer)
  add_compile_options(${MOE_SANITIZER_FLAGS} -UNDEBUG
    "$<$<COMPILE_LANGUAGE:CXX>:SHELL:-include ${CMAKE_CURRENT_LIST_DIR}/InstrumentedWithReleaseLLVM.h>")
  add_link_options(-fsanitize=address,undefined)
  # Shared libraries leave the sanitizer runtime to the executable, as clang
  # links it: no -z defs (which HandleLLVMOptions adds).
  string(REPLACE "-Wl,-z,defs" "" CMAKE_SHARED_LINKER_FLAGS
    "${CMAKE_SHARED_LINKER_FLAGS}")
endif()

if(MOE_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "MOE_BUILD_FUZZERS needs clang (libFuzzer): "
      "-DCMAKE_CXX_COMPILER=clang++-22 -DCMAKE_C_COMPILER=clang-22")
  endif()
  # The coverage callbacks of the instrumented libraries come from the
  # sanitizer runtime in every executable that is not a fuzzer.
  if(NOT MOE_ENABLE_SANITIZERS)
    message(FATAL_ERROR "MOE_BUILD_FUZZERS needs MOE_ENABLE_SANITIZERS")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
