#!/usr/bin/env python3
"""Builds the seed corpus of the fuzz targets from the repository's tests and
examples (docs/Testing.md).

Usage: make-seed-corpus.py SRC_ROOT OUT_DIR [--moe-opt PATH]

Writes OUT_DIR/<target>/ for each fuzz target:
  mlir          every .mlir file of test/ and examples/, split at `// -----`
                as --split-input-file does, without its comment lines, and
                a piece over 4 KiB cut before each top-level func.func
  config-table  the config tables of the tests
  manifest      the manifests of the tests and, with --moe-opt, the ones
                --moe-export-manifest writes for the examples
  module-image  a PTX text, an ELF64 (cubin-like) and a fatbin header
Identical inputs are written once.
"""

import argparse
import hashlib
import pathlib
import shutil
import struct
import subprocess
import sys
import tempfile


class Corpus:
    def __init__(self, root):
        self.root = root
        self.seen = set()
        self.count = 0

    def add(self, target, name, data):
        if isinstance(data, str):
            data = data.encode()
        digest = hashlib.sha1(data).hexdigest()
        if not data or (target, digest) in self.seen:
            return
        self.seen.add((target, digest))
        directory = self.root / target
        directory.mkdir(parents=True, exist_ok=True)
        (directory / f"{name}-{digest[:8]}").write_bytes(data)
        self.count += 1


def mlir_chunks(path):
    """The inputs of a test file as --split-input-file sees them."""
    chunk = []
    for line in path.read_text(errors="replace").splitlines():
        if line.strip().startswith("// -----"):
            yield "\n".join(chunk) + "\n"
            chunk = []
        elif not line.strip().startswith("//"):
            chunk.append(line)
    yield "\n".join(chunk) + "\n"


def split_functions(chunk, limit=4096):
    """A chunk larger than `limit`, cut before each top-level func.func:
    small seeds run fast and mutate well."""
    if len(chunk) <= limit:
        return [chunk]
    pieces, piece = [], []
    for line in chunk.splitlines():
        if line.startswith("func.func") and piece:
            pieces.append("\n".join(piece) + "\n")
            piece = []
        piece.append(line)
    pieces.append("\n".join(piece) + "\n")
    return pieces


def module_images():
    ptx = (".version 8.0\n.target sm_90a\n.address_size 64\n"
           ".visible .entry k() { ret; }\n")
    # ELF64 little-endian, one section header (SHT_PROGBITS) in range.
    section = struct.pack("<IIQQQQIIQQ", 1, 1, 0, 0, 128, 8, 0, 0, 1, 0)
    header = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    header += struct.pack("<HHIQQQIHHHHHH", 2, 190, 1, 0, 0, 64, 0, 64, 0, 0,
                          64, 1, 0)
    elf = header + section + bytes(8)
    fatbin = struct.pack("<IHHQ", 0xBA55ED50, 1, 16, 8) + bytes(8)
    return {"ptx": ptx, "elf": elf, "fatbin": fatbin}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src_root", type=pathlib.Path)
    parser.add_argument("out_dir", type=pathlib.Path)
    parser.add_argument("--moe-opt", help="moe-opt, to export manifests")
    args = parser.parse_args()

    src = args.src_root
    if args.out_dir.exists():
        shutil.rmtree(args.out_dir)
    corpus = Corpus(args.out_dir)

    mlir_files = sorted(src.glob("test/**/*.mlir")) + sorted(
        src.glob("examples/*.mlir"))
    for path in mlir_files:
        name = "-".join(path.relative_to(src).with_suffix("").parts)
        for index, chunk in enumerate(mlir_chunks(path)):
            for part, piece in enumerate(split_functions(chunk)):
                if piece.strip():
                    corpus.add("mlir", f"{name}-{index}-{part}", piece)

    for path in sorted(src.glob("test/**/Inputs/*.txt")):
        corpus.add("config-table", path.stem, path.read_bytes())

    for path in sorted(src.glob("test/**/*.manifest")):
        corpus.add("manifest", path.stem, path.read_bytes())
    if args.moe_opt:
        with tempfile.TemporaryDirectory() as tmp:
            manifest = pathlib.Path(tmp) / "out.manifest"
            exported = [src / "test/Dialect/Moe/export-manifest.mlir"]
            exported += sorted(src.glob("examples/*.mlir"))
            for path in exported:
                for index, chunk in enumerate(mlir_chunks(path)):
                    manifest.unlink(missing_ok=True)
                    result = subprocess.run(
                        [args.moe_opt, "-", "-o", "/dev/null",
                         f"--moe-export-manifest=path={manifest}"],
                        input=chunk.encode(), capture_output=True)
                    if result.returncode == 0 and manifest.exists():
                        corpus.add("manifest", f"{path.stem}-{index}",
                                   manifest.read_bytes())

    for name, data in module_images().items():
        corpus.add("module-image", name, data)

    print(f"make-seed-corpus: {corpus.count} inputs in {args.out_dir}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
