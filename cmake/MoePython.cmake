# The `moe` Python package (python/moe, docs/Python.md): its files are laid
# out in BUILD/python/moe (PYTHONPATH=BUILD/python) and installed into
# PREFIX/${MOE_INSTALL_PYTHONDIR}/moe in both configurations. The compiler
# extension, moe._compiler (lib/Bindings/Python), is built with the compiler
# where pybind11 and the Python headers are found (MOE_PYTHON_COMPILER).
set(MOE_INSTALL_PYTHONDIR python CACHE STRING
  "Where cmake --install puts the moe Python package (relative to the prefix)")
option(MOE_BUILD_PYTHON_COMPILER
  "Build moe._compiler, the compile call for Python (needs pybind11 and the Python headers)"
  ON)
set(MOE_PYTHON_PACKAGE_DIR ${MOE_BINARY_DIR}/python)

set(MOE_PYTHON_COMPILER OFF)
if(MOE_BUILD_COMPILER AND MOE_BUILD_PYTHON_COMPILER)
  if(MOE_ENABLE_SANITIZERS)
    # An instrumented extension cannot be loaded into the uninstrumented
    # python3 (as MoePlugin.so into mlir-opt).
    message(STATUS "moe._compiler: not built with sanitizers")
  else()
    find_package(Python3 COMPONENTS Interpreter Development.Module)
    if(Python3_FOUND)
      set(PYBIND11_FINDPYTHON ON)
      find_package(pybind11 2.6 CONFIG QUIET)
    endif()
    if(Python3_FOUND AND pybind11_FOUND)
      set(MOE_PYTHON_COMPILER ON)
      message(STATUS "moe._compiler: pybind11 ${pybind11_VERSION}, "
        "${Python3_EXECUTABLE}")
    else()
      message(STATUS "moe._compiler: not built (needs pybind11-dev and "
        "python3-dev); the moe package will load artifacts but not compile")
    endif()
  endif()
endif()
