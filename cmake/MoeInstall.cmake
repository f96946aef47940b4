# `cmake --install` lays out headers (with the generated .inc files and the
# C API's include/moe-c), the dialect, transform, conversion and pipeline
# libraries, the C API (libMoeMLIR-C.so), the mlir-opt plugin (MoePlugin.so),
# the reference library, the GPU runtime (libMoeRuntime.so), moe-opt and a
# CMake package, so another compiler can `find_package(MoeMLIR)` and link
# MoeMLIR::MoeDialect / MoeMLIR::MoeTransforms / MoeMLIR::MoePipelines (a C
# program MoeMLIR::MoeMLIR-C, a host program MoeMLIR::MoeRuntime).
include(CMakePackageConfigHelpers)

set(MOE_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/MoeMLIR)
set(MOE_INSTALLED_COMPILER_LIBS
  MoeDialect MoeTransforms MoeToGPU MoeTileToNVGPU MoeHostTransforms MoePipelines
  MoeCompile)
foreach(lib ${MOE_INSTALLED_COMPILER_LIBS})
  target_include_directories(${lib} INTERFACE
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
endforeach()

install(TARGETS ${MOE_INSTALLED_COMPILER_LIBS} MoeMLIR-C MoePlugin
  MoeReference MoeRuntime
  EXPORT MoeMLIRTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
# MoeOpSchema.inc is generated but committed (moe/Schema/OpSchema.h).
install(DIRECTORY ${MOE_SOURCE_DIR}/include/moe ${MOE_SOURCE_DIR}/include/moe-c
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h" PATTERN "*.td" PATTERN "*.inc")
install(DIRECTORY ${MOE_BINARY_DIR}/include/moe
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.inc")
install(EXPORT MoeMLIRTargets NAMESPACE MoeMLIR::
  DESTINATION ${MOE_INSTALL_CMAKEDIR})

configure_package_config_file(
  ${MOE_SOURCE_DIR}/cmake/MoeMLIRConfig.cmake.in
  ${MOE_BINARY_DIR}/cmake/MoeMLIRConfig.cmake
  INSTALL_DESTINATION ${MOE_INSTALL_CMAKEDIR}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR)
write_basic_package_version_file(
  ${MOE_BINARY_DIR}/cmake/MoeMLIRConfigVersion.cmake
  VERSION 0.1.0 COMPATIBILITY SameMinorVersion)
install(FILES
  ${MOE_BINARY_DIR}/cmake/MoeMLIRConfig.cmake
  ${MOE_BINARY_DIR}/cmake/MoeMLIRConfigVersion.cmake
  DESTINATION ${MOE_INSTALL_CMAKEDIR})
