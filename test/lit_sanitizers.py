# Shared by the lit configurations of test/ and test/Unit: in a build with
# MOE_ENABLE_SANITIZERS, the `sanitizers` feature, and options under which
# every sanitizer report aborts. A signal, unlike exit code 1, fails a
# `not moe-opt ...` line as well as a test that expects success.
import os


def configure(config):
    if not getattr(config, "moe_sanitizers", False):
        return
    config.available_features.add("sanitizers")
    config.environment["ASAN_OPTIONS"] = "abort_on_error=1:detect_leaks=1"
    config.environment["UBSAN_OPTIONS"] = (
        "abort_on_error=1:halt_on_error=1:print_stacktrace=1")
    config.environment["LSAN_OPTIONS"] = "suppressions=" + os.path.join(
        config.moe_src_root, "utils", "sanitizers", "lsan.supp")
