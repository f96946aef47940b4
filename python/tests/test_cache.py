"""The content-addressed cache: misses then hits, keys that follow the
text, options and compiler, broken entries rebuilt, concurrent writers."""

import json
import os
import subprocess
import sys

import moe
from moe.cache import Cache, default_cache_dir
from moe.compiler import CompileOptions, cache_key
from conftest import SMALL_MODULE


def test_second_compile_is_a_hit(compiler, cache_dir):
    first = moe.compile_text(SMALL_MODULE, "small")
    assert not first.hit
    assert first.prefix.startswith(str(cache_dir))
    second = moe.compile_text(SMALL_MODULE, "small")
    assert second.hit
    assert second.prefix == first.prefix
    assert list(second.functions) == ["norm"]


def test_key_follows_text_name_and_options(compiler):
    base = cache_key(SMALL_MODULE, "small", CompileOptions())
    assert cache_key(SMALL_MODULE, "small", CompileOptions()) == base
    others = {
        cache_key(SMALL_MODULE + "\n", "small", CompileOptions()),
        cache_key(SMALL_MODULE, "other", CompileOptions()),
        cache_key(SMALL_MODULE, "small", CompileOptions(chip="sm_100a")),
        cache_key(SMALL_MODULE, "small", CompileOptions(format="fatbin")),
        cache_key(SMALL_MODULE, "small",
                  CompileOptions(pipeline_options="warp-specialize=1")),
    }
    assert base not in others and len(others) == 5


def test_key_follows_the_content_of_a_config_table(compiler, tmp_path):
    table = tmp_path / "table.txt"
    table.write_text("# one\n")
    options = CompileOptions(pipeline_options=f"config-table={table}")
    before = cache_key(SMALL_MODULE, "small", options)
    table.write_text("# two\n")
    assert cache_key(SMALL_MODULE, "small", options) != before


def test_options_change_the_entry(compiler):
    plain = moe.compile_text(SMALL_MODULE, "small")
    specialized = moe.compile_text(SMALL_MODULE, "small",
                                   pipeline_options="warp-specialize=1")
    assert not specialized.hit
    assert specialized.key != plain.key


def test_corrupted_entry_is_rebuilt(compiler):
    first = moe.compile_text(SMALL_MODULE, "small")
    with open(first.library, "r+b") as f:
        f.truncate(100)
    again = moe.compile_text(SMALL_MODULE, "small")
    assert not again.hit
    with open(again.library, "rb") as f:
        assert f.read(4) == b"\x7fELF"
    assert os.path.getsize(again.library) > 100
    assert moe.compile_text(SMALL_MODULE, "small").hit


def test_entry_without_its_record_is_rebuilt(compiler):
    first = moe.compile_text(SMALL_MODULE, "small")
    os.remove(os.path.join(os.path.dirname(first.prefix), "entry.json"))
    assert not moe.compile_text(SMALL_MODULE, "small").hit


def test_edited_manifest_is_rebuilt(compiler):
    first = moe.compile_text(SMALL_MODULE, "small")
    with open(first.manifest, "a") as f:
        f.write("# edited\n")
    again = moe.compile_text(SMALL_MODULE, "small")
    assert not again.hit
    with open(again.manifest) as f:
        assert "# edited" not in f.read()


def test_concurrent_writers_leave_one_complete_entry(compiler, cache_dir):
    # Three processes compile the same module into an empty cache at once:
    # the same package as this one (PYTHONPATH), the same cache folder.
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(moe.__file__)))
    env = dict(os.environ, PYTHONPATH=package_root, MOE_CACHE_DIR=str(cache_dir))
    script = ("import moe, sys; art = moe.compile_text(sys.stdin.read(), 'small'); "
              "print(art.prefix)")
    children = [subprocess.Popen([sys.executable, "-c", script], env=env,
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 text=True) for _ in range(3)]
    for child in children:
        child.stdin.write(SMALL_MODULE)
        child.stdin.close()
    prefixes = [child.stdout.read().strip() for child in children]
    assert [child.wait(timeout=120) for child in children] == [0, 0, 0]
    assert len(set(prefixes)) == 1
    entries = [d for d in os.listdir(cache_dir / "v1") if d != "tmp"]
    assert len(entries) == 1
    assert os.listdir(cache_dir / "v1" / "tmp") == []
    with open(os.path.join(os.path.dirname(prefixes[0]), "entry.json")) as f:
        assert json.load(f)["name"] == "small"
    assert moe.compile_text(SMALL_MODULE, "small").hit


def test_explicit_cache_folder(compiler, tmp_path):
    art = moe.compile_text(SMALL_MODULE, "small", cache=str(tmp_path / "mine"))
    assert art.prefix.startswith(str(tmp_path / "mine"))


def test_default_location(monkeypatch, tmp_path):
    monkeypatch.setenv("MOE_CACHE_DIR", str(tmp_path / "a"))
    assert default_cache_dir() == str(tmp_path / "a")
    monkeypatch.delenv("MOE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == str(tmp_path / "xdg" / "moe")
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == str(tmp_path / "home" / ".cache" / "moe")


def test_failed_build_leaves_nothing(tmp_path):
    cache = Cache(str(tmp_path / "c"))

    def build(folder):
        raise RuntimeError("compiler failed")

    try:
        cache.get_or_build("ab" * 32, "x", build)
    except RuntimeError:
        pass
    assert cache.lookup("ab" * 32, "x") is None
    assert os.listdir(tmp_path / "c" / "v1" / "tmp") == []


def test_writer_that_loses_the_race_takes_the_winners_entry(tmp_path):
    cache = Cache(str(tmp_path / "c"))
    key = "cd" * 32

    def write(folder, text):
        for suffix in (".so", ".manifest"):
            with open(os.path.join(folder, "x" + suffix), "w") as f:
                f.write(text)

    def build(folder):
        write(folder, "loser")
        # Another writer completes the same entry meanwhile.
        _, hit = cache.get_or_build(key, "x", lambda other: write(other, "winner"))
        assert not hit

    prefix, hit = cache.get_or_build(key, "x", build)
    assert not hit
    with open(prefix + ".so") as f:
        assert f.read() == "winner"
    assert cache.lookup(key, "x") == prefix
    assert os.listdir(tmp_path / "c" / "v1" / "tmp") == []
