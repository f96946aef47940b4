#!/usr/bin/env python3
"""Prints the PTX embedded in the `gpu.binary` ops of an MLIR file.

`gpu-module-to-binary` with format=isa stores each module's PTX as an MLIR
string attribute; this undoes MLIR's string escapes (\\XX hex, \\\\, \\")
so ptxas can check the PTX. Usage: extract-ptx.py [FILE] (default stdin).
With --split DIR, writes one DIR/<binary>.ptx per gpu.binary instead.
"""
import os
import re
import sys

OBJECT = re.compile(
    r'gpu\.binary @(\w+)[^\n]*?#gpu\.object<[^\n]*?assembly = "((?:[^"\\]|\\.)*)"')


def unescape(text):
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c == '\\' and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt in '\\"':
                out.append(ord(nxt))
                i += 2
                continue
            if nxt == 'n':
                out.append(10)
                i += 2
                continue
            if nxt == 't':
                out.append(9)
                i += 2
                continue
            out.append(int(text[i + 1:i + 3], 16))
            i += 3
            continue
        out.extend(c.encode())
        i += 1
    return out.decode()


def main():
    args = sys.argv[1:]
    split_dir = None
    if len(args) >= 2 and args[0] == '--split':
        split_dir = args[1]
        args = args[2:]
    text = open(args[0]).read() if args else sys.stdin.read()
    found = OBJECT.findall(text)
    if not found:
        sys.exit('extract-ptx.py: no gpu.binary with an embedded object found')
    for name, body in found:
        ptx = unescape(body).rstrip('\0')
        if split_dir:
            os.makedirs(split_dir, exist_ok=True)
            with open(os.path.join(split_dir, name + '.ptx'), 'w') as f:
                f.write(ptx)
        else:
            sys.stdout.write('// gpu.binary @%s\n%s\n' % (name, ptx))


if __name__ == '__main__':
    main()
