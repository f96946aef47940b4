"""The compile calls: text and file in, .so + manifest out; bad IR raises
CompileError carrying the MLIR diagnostic with its location; without the
extension the calls say the compiler is missing."""

import os
import subprocess
import sys

import pytest

import moe
from conftest import REPO, SMALL_MODULE


def test_compile_text_to_folder(compiler, tmp_path):
    art = moe.compile_text(SMALL_MODULE, "small", out_dir=tmp_path / "out")
    assert art.prefix == str(tmp_path / "out" / "small")
    with open(art.library, "rb") as f:
        assert f.read(4) == b"\x7fELF"
    spec = art.functions["norm"]
    assert [a.shape for a in spec.args] == [(None, 256), (256,), (None, 256)]
    assert spec.ops[0][0] == "rms_norm"
    assert spec.out_args == [2]


def test_compile_file_names_the_artifact_after_the_file(compiler, tmp_path):
    source = tmp_path / "layer.mlir"
    source.write_text(SMALL_MODULE)
    art = moe.compile_file(source, out_dir=tmp_path / "out")
    assert os.path.basename(art.prefix) == "layer"
    assert os.path.getsize(art.library) > 0
    assert list(art.functions) == ["norm"]


def test_bad_ir_carries_the_diagnostic_and_its_location(compiler):
    text = SMALL_MODULE.replace("epsilon = 1.0e-06", "epsilon = -1.0")
    with pytest.raises(moe.CompileError) as caught:
        moe.compile_text(text, source_name="bad.mlir")
    message = str(caught.value)
    assert message.startswith("bad.mlir:3:8: error: ")
    assert "epsilon" in message


def test_parse_error_of_a_file_names_the_file(compiler, tmp_path):
    source = tmp_path / "broken.mlir"
    source.write_text("func.func @f() {\n  %0 = moe.no_such_op\n}\n")
    with pytest.raises(moe.CompileError) as caught:
        moe.compile_file(source, out_dir=tmp_path / "out")
    assert f"{source}:2:" in str(caught.value)
    assert not (tmp_path / "out" / "broken.so").exists()


def test_bad_options_are_compile_errors(compiler, tmp_path):
    with pytest.raises(moe.CompileError, match="unknown kernel format 'elf'"):
        moe.compile_text(SMALL_MODULE, out_dir=tmp_path, format="elf")
    with pytest.raises(moe.CompileError, match="invalid artifact name"):
        moe.compile_text(SMALL_MODULE, "a/b", out_dir=tmp_path)


def test_missing_source_file(compiler, tmp_path):
    with pytest.raises(moe.CompileError, match="cannot read .*nothing.mlir"):
        moe.compile_file(tmp_path / "nothing.mlir")


def test_verify_gives_the_signatures(compiler):
    assert moe.verify(SMALL_MODULE) == {
        "norm": "(tensor<?x256xbf16>, tensor<256xbf16>, tensor<?x256xbf16>)"
                " -> tensor<?x256xbf16>"}


def test_without_the_extension_compile_calls_say_the_compiler_is_missing(tmp_path):
    # The source tree's package has no extension: a GPU host's runtime-only
    # install looks the same. Loading manifests still works there.
    manifest = tmp_path / "a.manifest"
    manifest.write_text("moe-manifest 1\nfunction f\narg 0 f32 4\nend\n")
    script = (
        "import moe\n"
        "assert not moe.available()\n"
        f"print(list(moe.parse_manifest({str(manifest)!r})))\n"
        "try:\n"
        "    moe.compile_text('module {}')\n"
        "except moe.CompilerMissingError as e:\n"
        "    print('missing:', e)\n")
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO, "python"))
    result = subprocess.run([sys.executable, "-c", script], env=env,
                            capture_output=True, text=True, check=True)
    assert result.stdout.startswith("['f']\nmissing: the moe compiler is not "
                                    "available in this installation")
    assert "runtime-only build loads artifacts compiled elsewhere" in result.stdout
