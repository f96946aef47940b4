"""Unit tests of python/moe_artifact.py that need neither torch nor a GPU:
the manifest parser raises MoeArtifactError, never another exception, on
any input, and rejects what tools/moe-runner rejects.

Run with the system python3 (unittest only):
    python3 python/tests/test_moe_artifact.py
lit runs it as test/Python/moe-artifact.test (ninja check-moe)."""

import os
import random
import sys
import tempfile
import unittest

_HERE = os.path.dirname(os.path.abspath(__file__))
_REPO = os.path.dirname(os.path.dirname(_HERE))
sys.path.insert(0, os.path.join(_REPO, "python"))

from moe_artifact import MoeArtifactError, parse_manifest  # noqa: E402

GOOD = b"""moe-manifest 1
# a comment
function silu
arg 0 bf16 ?x1536
arg 1 bf16 ?x768
result 0 bf16 ?x768 out=1
op silu_and_mul x=0 out=1
end
"""


class ManifestTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def write(self, data: bytes) -> str:
        path = os.path.join(self.dir.name, "t.manifest")
        with open(path, "wb") as f:
            f.write(data)
        return path

    def parse(self, data: bytes):
        return parse_manifest(self.write(data))

    def rejects(self, data: bytes, message: str):
        with self.assertRaises(MoeArtifactError) as caught:
            self.parse(data)
        self.assertIn(message, str(caught.exception))
        return str(caught.exception)

    def test_good(self):
        functions = self.parse(GOOD)
        spec = functions["silu"]
        self.assertEqual([a.shape for a in spec.args], [(None, 1536), (None, 768)])
        self.assertEqual(spec.out_args, [1])
        self.assertEqual(spec.ops, [("silu_and_mul", {"x": "0", "out": "1"})])

    def test_not_utf8(self):
        text = self.rejects(GOOD.replace(b"silu\n", b"s\xffl\xfeu\n", 1),
                            "not UTF-8 text")
        self.assertIn("t.manifest:3:", text)
        self.rejects(b"\xff\xfe\x00\x00", "t.manifest:1: not UTF-8")

    def test_out_not_an_integer(self):
        self.rejects(GOOD.replace(b"out=1", b"out=one", 1),
                     "t.manifest:6: malformed out argument 'one'")
        # Digits that str.isdigit() accepts and int() does not.
        self.rejects(GOOD.replace(b"out=1", "out=\u00b2".encode(), 1),
                     "malformed out argument")

    def test_out_negative(self):
        self.rejects(GOOD.replace(b"out=1", b"out=-5", 1),
                     "t.manifest:6: malformed out argument '-5'")

    def test_out_past_the_arguments(self):
        self.rejects(GOOD.replace(b"out=1", b"out=99", 1),
                     "t.manifest:6: result written to argument 99 but function "
                     "'silu' has 2 arguments")

    def test_out_dash(self):
        spec = self.parse(GOOD.replace(b"out=1", b"out=-", 1))["silu"]
        self.assertEqual(spec.out_args, [])

    def test_bad_indices_and_shapes(self):
        self.rejects(GOOD.replace(b"arg 1 ", "arg \u00b9 ".encode(), 1),
                     "t.manifest:5: arg index")
        self.rejects(GOOD.replace(b"?x768\nresult", "?x\u00b2\nresult".encode(), 1),
                     "t.manifest:5: bad shape")
        self.rejects(GOOD.replace(b"result 0", b"result 3", 1),
                     "t.manifest:6: result index 3, expected 0")
        self.rejects(GOOD.replace(b"result 0 bf16", b"result 0 f64", 1),
                     "t.manifest:6: unknown element type 'f64'")

    def test_missing_file(self):
        with self.assertRaises(MoeArtifactError) as caught:
            parse_manifest(os.path.join(self.dir.name, "none.manifest"))
        self.assertIn("cannot read the manifest", str(caught.exception))

    def test_runner_inputs(self):
        """moe-runner's manifests parse or raise MoeArtifactError (the
        semantic checks of some, such as sizes, are the runner's)."""
        inputs = os.path.join(_REPO, "test", "moe-runner", "Inputs")
        for name in sorted(os.listdir(inputs)):
            if name.endswith(".manifest"):
                with self.subTest(name):
                    try:
                        parse_manifest(os.path.join(inputs, name))
                    except MoeArtifactError:
                        pass

    def test_mutants(self):
        """Byte mutants of a valid manifest: MoeArtifactError or a result,
        never another exception."""
        with open(os.path.join(_REPO, "test", "moe-runner", "Inputs",
                               "ops.manifest"), "rb") as f:
            seed = f.read()
        rng = random.Random(14)
        alphabet = b" \n=-?x0123456789\xff\xc3\x80" + "\u00b2".encode()
        for _ in range(500):
            data = bytearray(seed)
            for _ in range(rng.randint(1, 4)):
                at = rng.randrange(len(data))
                choice = rng.randrange(3)
                if choice == 0:
                    data[at] = rng.choice(alphabet)
                elif choice == 1:
                    del data[at]
                else:
                    data[at:at] = bytes([rng.choice(alphabet)])
            try:
                self.parse(bytes(data))
            except MoeArtifactError:
                pass


if __name__ == "__main__":
    unittest.main()
