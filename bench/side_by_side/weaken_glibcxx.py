#!/usr/bin/env python3
"""Copies a shared library with its requirement of a too-new libstdc++ symbol version made weak.

TorchSharp 0.107's native library (libLibTorchSharp.so, built against GCC 13's libstdc++) asks
for the version GLIBCXX_3.4.32 for a single symbol, ``std::ios_base_library_init()``. GCC 13 emits
that reference only as a marker that iostream is initialised; nothing calls it and no relocation
names it. Debian 12's libstdc++ provides versions up to GLIBCXX_3.4.30, so the dynamic loader
refuses the whole library ("version `GLIBCXX_3.4.32' not found").

This script writes a copy in which each such requirement (an ``Elf64_Vernaux`` entry of the
``.gnu.version_r`` section) carries ``VER_FLG_WEAK``: glibc's loader then accepts a missing weak
version (ld.so only reports it with ``LD_DEBUG=versions``). The undefined dynamic symbols bound to
that version are also made ``STB_WEAK``, so a lazy or eager look-up of one of them, were any made,
would yield a null address instead of an error. Nothing else in the file changes.

Standard library only. The input is never modified (it may live in the NuGet cache):

    python3 weaken_glibcxx.py SOURCE.so DESTINATION.so [--version GLIBCXX_3.4.32 ...]

The versions default to every GLIBCXX_/CXXABI_ version that the running system's libstdc++ does not
define (read from its own ``.gnu.version_d``), so the script does nothing when none is missing.
Exits 0 after writing the copy (also when there was nothing to weaken).
"""

import argparse
import os
import shutil
import struct
import sys
import tempfile

VER_FLG_WEAK = 0x2
STB_WEAK = 2
SHN_UNDEF = 0
SHT_DYNSYM = 11
SHT_GNU_VERDEF = 0x6FFFFFFD
SHT_GNU_VERNEED = 0x6FFFFFFE
SHT_GNU_VERSYM = 0x6FFFFFFF


class Elf:
    """A 64-bit little-endian ELF file read whole into a bytearray, with its section headers."""

    def __init__(self, data):
        if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
            raise SystemExit("not a 64-bit little-endian ELF file")
        self.data = data
        (shoff,) = struct.unpack_from("<Q", data, 0x28)
        shentsize, shnum, _shstrndx = struct.unpack_from("<HHH", data, 0x3A)
        self.sections = []
        for i in range(shnum):
            name, kind, _flags, _addr, offset, size, link, _info, _align, entsize = struct.unpack_from(
                "<IIQQQQIIQQ", data, shoff + i * shentsize)
            self.sections.append({"type": kind, "offset": offset, "size": size, "link": link, "entsize": entsize})

    def section(self, kind):
        """The first section of the given type, or None."""
        return next((s for s in self.sections if s["type"] == kind), None)

    def string(self, strtab, offset):
        """A NUL-terminated string of the string table section ``strtab``."""
        start = strtab["offset"] + offset
        end = self.data.index(b"\0", start)
        return self.data[start:end].decode("ascii", "replace")


def defined_versions(path):
    """The version names a shared library defines (its .gnu.version_d), e.g. libstdc++'s GLIBCXX_3.4.30."""
    with open(path, "rb") as f:
        elf = Elf(bytearray(f.read()))
    verdef = elf.section(SHT_GNU_VERDEF)
    if verdef is None:
        return set()
    strtab = elf.sections[verdef["link"]]
    names, offset = set(), verdef["offset"]
    while True:
        _version, _flags, _ndx, _cnt, _hash, aux, nxt = struct.unpack_from("<HHHHIII", elf.data, offset)
        (name,) = struct.unpack_from("<I", elf.data, offset + aux)
        names.add(elf.string(strtab, name))
        if nxt == 0:
            return names
        offset += nxt


def system_libstdcxx():
    """The path of the libstdc++.so.6 the loader would pick on this system, or None."""
    for directory in ("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib"):
        candidate = os.path.join(directory, "libstdc++.so.6")
        if os.path.exists(candidate):
            return os.path.realpath(candidate)
    return None


def required_versions(elf):
    """Yields (library, version, offset of the Elf64_Vernaux entry) for each required version."""
    verneed = elf.section(SHT_GNU_VERNEED)
    if verneed is None:
        return
    strtab = elf.sections[verneed["link"]]
    offset = verneed["offset"]
    while True:
        # Elf64_Verneed: vn_version, vn_cnt, vn_file, vn_aux, vn_next
        _version, count, file_name, aux, nxt = struct.unpack_from("<HHIII", elf.data, offset)
        library = elf.string(strtab, file_name)
        entry = offset + aux
        for _ in range(count):
            # Elf64_Vernaux: vna_hash, vna_flags, vna_other, vna_name, vna_next
            _hash, _flags, _other, name, aux_next = struct.unpack_from("<IHHII", elf.data, entry)
            yield library, elf.string(strtab, name), entry
            if aux_next == 0:
                break
            entry += aux_next
        if nxt == 0:
            return
        offset += nxt


def weaken(data, wanted):
    """Marks the required versions named in ``wanted`` weak, in place. Returns what changed."""
    elf = Elf(data)
    weakened, indices = [], set()
    for library, version, entry in required_versions(elf):
        if version in wanted:
            _hash, flags, other = struct.unpack_from("<IHH", data, entry)
            struct.pack_into("<H", data, entry + 4, flags | VER_FLG_WEAK)
            weakened.append(f"{library}: {version} (index {other & 0x7FFF}, flags {flags:#x} -> {flags | VER_FLG_WEAK:#x})")
            indices.add(other & 0x7FFF)

    # Undefined dynamic symbols bound to one of those versions become weak references.
    symbols = []
    dynsym, versym = elf.section(SHT_DYNSYM), elf.section(SHT_GNU_VERSYM)
    if indices and dynsym is not None and versym is not None:
        names = elf.sections[dynsym["link"]]
        for i in range(dynsym["size"] // dynsym["entsize"]):
            sym = dynsym["offset"] + i * dynsym["entsize"]
            # Elf64_Sym: st_name (4), st_info (1), st_other (1), st_shndx (2), st_value, st_size
            st_name, st_info, _st_other, st_shndx = struct.unpack_from("<IBBH", data, sym)
            (index,) = struct.unpack_from("<H", data, versym["offset"] + 2 * i)
            if st_shndx == SHN_UNDEF and (index & 0x7FFF) in indices:
                data[sym + 4] = (STB_WEAK << 4) | (st_info & 0xF)
                symbols.append(elf.string(names, st_name))
    return weakened, symbols


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source")
    parser.add_argument("destination")
    parser.add_argument("--version", action="append", dest="versions",
                        help="a required version to weaken (repeatable); default: the GLIBCXX_/CXXABI_ "
                             "versions this system's libstdc++ lacks")
    args = parser.parse_args()

    with open(args.source, "rb") as f:
        data = bytearray(f.read())
    if args.versions:
        wanted = set(args.versions)
    else:
        library = system_libstdcxx()
        if library is None:
            raise SystemExit("cannot find the system's libstdc++.so.6; pass --version")
        have = defined_versions(library)
        wanted = {version for _, version, _ in required_versions(Elf(data))
                  if version.startswith(("GLIBCXX_", "CXXABI_")) and version not in have}

    weakened, symbols = weaken(data, wanted)
    # Write beside the destination and rename, so a reader never sees half a file.
    directory = os.path.dirname(os.path.abspath(args.destination))
    os.makedirs(directory, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=".weaken-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    shutil.copymode(args.source, temporary)
    os.replace(temporary, args.destination)

    if weakened:
        for line in weakened:
            print(f"weakened required version {line}")
        for name in symbols:
            print(f"weak undefined symbol {name}")
    else:
        print("nothing to weaken: every required libstdc++ version is present")
    print(f"wrote {args.destination}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
