# -*- Python -*-
# lit configuration that runs the GoogleTest binaries under unittests/.

import os
import sys

import lit.formats

config.name = "MOE-Unit"
config.suffixes = []
config.test_exec_root = os.path.join(config.moe_obj_root, "unittests")
config.test_source_root = config.test_exec_root
config.test_format = lit.formats.GoogleTest(".", "Tests")

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
import lit_sanitizers

lit_sanitizers.configure(config)
