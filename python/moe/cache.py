"""The content-addressed on-disk cache of compiled artifacts.

An entry is a folder named by its key, the SHA-256 of the IR text, the
compile options and the compiler's identity (moe.compiler.cache_key)::

    ROOT/v1/<key[:2]>/<key>/NAME.so
                            NAME.manifest
                            entry.json      key, name, SHA-256 of each file

ROOT is ``$MOE_CACHE_DIR``, else ``$XDG_CACHE_HOME/moe``, else
``~/.cache/moe``. A writer compiles into a fresh folder under ``ROOT/v1/tmp``
and renames it into place: readers never see half an entry, and of two
processes compiling the same module one rename wins and the other's copy is
dropped. A lookup checks the files against entry.json; an entry that does not
match (a truncated or edited file, a missing entry.json) is moved aside and
rebuilt."""

import hashlib
import json
import os
import shutil
import tempfile
from typing import Callable, Optional, Tuple

__all__ = ["Cache", "default_cache_dir"]

_LAYOUT = "v1"
_ENTRY = "entry.json"


def default_cache_dir() -> str:
    """``$MOE_CACHE_DIR``, else ``$XDG_CACHE_HOME/moe``, else ``~/.cache/moe``."""
    if os.environ.get("MOE_CACHE_DIR"):
        return os.environ["MOE_CACHE_DIR"]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache")
    return os.path.join(base, "moe")


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Cache:
    """A cache folder (default: default_cache_dir())."""

    def __init__(self, root: Optional[str] = None):
        self.root = os.path.abspath(root or default_cache_dir())

    def entry_dir(self, key: str) -> str:
        return os.path.join(self.root, _LAYOUT, key[:2], key)

    def _tmp_dir(self) -> str:
        path = os.path.join(self.root, _LAYOUT, "tmp")
        os.makedirs(path, exist_ok=True)
        return path

    def lookup(self, key: str, name: str) -> Optional[str]:
        """The prefix (``DIR/NAME``) of a complete entry, or None. An entry
        whose files do not match its entry.json is discarded."""
        folder = self.entry_dir(key)
        if not os.path.isdir(folder):
            return None
        if self._valid(folder, key, name):
            return os.path.join(folder, name)
        self._discard(folder)
        return None

    def get_or_build(self, key: str, name: str,
                     build: Callable[[str], None]) -> Tuple[str, bool]:
        """(prefix, hit): the entry of `key`, built by ``build(folder)`` (which
        writes ``folder/NAME.so`` and ``folder/NAME.manifest``) on a miss."""
        prefix = self.lookup(key, name)
        if prefix is not None:
            return prefix, True
        work = tempfile.mkdtemp(prefix=key[:16] + "-", dir=self._tmp_dir())
        try:
            build(work)
            files = {}
            for suffix in (".so", ".manifest"):
                files[name + suffix] = _sha256(os.path.join(work, name + suffix))
            with open(os.path.join(work, _ENTRY), "w") as f:
                json.dump({"key": key, "name": name, "files": files}, f,
                          indent=1, sort_keys=True)
            folder = self.entry_dir(key)
            os.makedirs(os.path.dirname(folder), exist_ok=True)
            try:
                os.rename(work, folder)
            except OSError:
                # Another process put a complete entry there first.
                if not self._valid(folder, key, name):
                    raise
            return os.path.join(folder, name), False
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _valid(self, folder: str, key: str, name: str) -> bool:
        try:
            with open(os.path.join(folder, _ENTRY)) as f:
                entry = json.load(f)
            if entry.get("key") != key or entry.get("name") != name:
                return False
            files = entry["files"]
            if set(files) != {name + ".so", name + ".manifest"}:
                return False
            return all(_sha256(os.path.join(folder, file)) == digest
                       for file, digest in files.items())
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return False

    def _discard(self, folder: str) -> None:
        """Moves a broken entry aside (atomically) and deletes it."""
        trash = tempfile.mkdtemp(prefix="discarded-", dir=self._tmp_dir())
        try:
            os.rename(folder, os.path.join(trash, "entry"))
        except OSError:
            pass  # already moved or replaced by another process
        shutil.rmtree(trash, ignore_errors=True)

    def clear(self) -> None:
        """Deletes every entry."""
        shutil.rmtree(os.path.join(self.root, _LAYOUT), ignore_errors=True)
