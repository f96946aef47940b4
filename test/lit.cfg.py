# -*- Python -*-
# lit configuration of the moe regression tests.

import os
import shutil
import subprocess
import sys

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "MOE"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py",
                   "lit_sanitizers.py", "Unit"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.moe_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%python", sys.executable))
config.substitutions.append(("%moe_src_root", config.moe_src_root))
config.substitutions.append(("%moe_obj_root", config.moe_obj_root))
config.substitutions.append(("%generator", config.cmake_generator))
config.substitutions.append(("%cmake", config.cmake_command))
config.substitutions.append(("%cxx", config.cxx_compiler))
config.substitutions.append(("%mlir_dir", config.mlir_dir))

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
tool_dirs = [config.moe_tools_dir, config.llvm_tools_dir,
             os.path.join(config.moe_obj_root, "tools", "moe-runner")]
llvm_config.add_tool_substitutions(
    ["moe-opt", "moe-compile", "moe-capi-test", "moe-runner", "moe-fuzz-mlir",
     "moe-fuzz-config-table", "moe-fuzz-manifest", "moe-fuzz-module-image"],
    tool_dirs)

# The stock mlir-opt of the LLVM installation, and it with the moe plugin
# loaded (test/Plugin): it must do what moe-opt does. %mlir_opt_moe comes
# first, as %mlir_opt is a prefix of it.
mlir_opt = os.path.join(config.llvm_tools_dir, "mlir-opt")
moe_plugin = os.path.join(config.moe_libs_dir, "MoePlugin.so")
config.substitutions.append(("%mlir_opt_moe", "%s --load-dialect-plugin=%s "
                             "--load-pass-plugin=%s" % (mlir_opt, moe_plugin,
                                                        moe_plugin)))
config.substitutions.append(("%mlir_opt", mlir_opt))
# The stock mlir-translate (test/GPU/upstream-abi: upstream's pipeline end
# to end, without moe).
config.substitutions.append(("%mlir_translate",
                             os.path.join(config.llvm_tools_dir, "mlir-translate")))

sys.path.insert(0, os.path.dirname(__file__))
import lit_sanitizers

lit_sanitizers.configure(config)

# Features for optional tools: ptxas validates generated PTX where present,
# and `cuda` marks tests that need an NVIDIA GPU (never set on CI).
ptxas = shutil.which("ptxas") or (
    "/usr/local/cuda/bin/ptxas" if os.path.exists("/usr/local/cuda/bin/ptxas") else None)
if ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))
if os.environ.get("MOE_TEST_CUDA") == "1":
    config.available_features.add("cuda")
# `cuda-driver` marks hosts where the NVIDIA driver library loads: moe-runner's
# no-GPU test needs its absence.
try:
    import ctypes

    ctypes.CDLL("libcuda.so.1")
    config.available_features.add("cuda-driver")
except OSError:
    pass

# The moe Python package (test/Python): the python3 the extension was built
# for (else lit's), `moe-python-compiler` where moe._compiler is built, and
# `pytest` where that python3 has it.
moe_python = config.moe_python_executable or sys.executable
config.substitutions.append(("%moe_python", moe_python))
config.substitutions.append(("%moe_expect_compiler",
                             "1" if config.moe_python_compiler else "0"))
if config.moe_python_compiler:
    config.available_features.add("moe-python-compiler")
if subprocess.run([moe_python, "-c", "import pytest"], stdout=subprocess.DEVNULL,
                  stderr=subprocess.DEVNULL).returncode == 0:
    config.available_features.add("pytest")
