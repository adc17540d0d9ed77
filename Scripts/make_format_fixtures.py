#!/usr/bin/env python3
"""(Re)create the .npy/.npz fixtures of Tests/NablaFormatsTests/Fixtures with numpy.

Run from anywhere:  python3 Scripts/make_format_fixtures.py
Needs python3 and numpy (checked with numpy 2.4). Total size stays well under 200 KB.

The Swift tests rebuild the same arrays with the same formulas (see `Fixtures.swift` in the tests:
`values(for:)`), so every value read back is checked, not just the shape.
"""
import io
import os
import zipfile

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "NablaFormatsTests", "Fixtures")

# The six values of each dtype, laid out as a (2, 3) array. Keep in sync with `values(for:)` in the tests.
VALUES = {
    "float16": [0.5, -1.25, 3.0, 1024.0, -0.0, 65504.0],
    "float32": [0.5, -1.25, 3.0, 1024.0, -0.0, 3.4028234663852886e38],
    "float64": [0.5, -1.25, 3.0, 1024.0, -0.0, 1.7976931348623157e308],
    "complex64": [complex(0.5, 1), complex(-1.25, -0.0), complex(3, 2.5), complex(1024, -1024), complex(-0.0, 0),
                  complex(3.4028234663852886e38, -0.125)],
    "complex128": [complex(0.5, 1), complex(-1.25, -0.0), complex(3, 2.5), complex(1024, -1024), complex(-0.0, 0),
                   complex(1.7976931348623157e308, -0.125)],
    "int8": [0, 1, -1, -128, 127, 42],
    "int16": [0, 1, -1, -32768, 32767, 42],
    "int32": [0, 1, -1, -2147483648, 2147483647, 42],
    "int64": [0, 1, -1, -9223372036854775808, 9223372036854775807, 42],
    "uint8": [0, 1, 2, 255, 254, 42],
    "uint16": [0, 1, 2, 65535, 65534, 42],
    "uint32": [0, 1, 2, 4294967295, 4294967294, 42],
    "uint64": [0, 1, 2, 18446744073709551615, 18446744073709551614, 42],
    "bool": [True, False, True, True, False, False],
}


def sample(name, order="<"):
    dt = np.dtype(name)
    if dt.itemsize > 1:
        dt = dt.newbyteorder(order)
    return np.array(VALUES[name], dtype=dt).reshape(2, 3)


def ramp(shape, dtype="<f8"):
    """0, 1, 2, ... in C order: element at flat offset k is k (the tests check this)."""
    n = int(np.prod(shape)) if shape else 1
    return np.arange(n, dtype=np.float64).astype(dtype).reshape(shape)


def save(name, array, **kwargs):
    np.save(os.path.join(OUT, name), array, **kwargs)


def write_version(name, array, version):
    with open(os.path.join(OUT, name), "wb") as f:
        np.lib.format.write_array(f, array, version=version)


def raw_npy(name, header, payload, version=(1, 0)):
    """An .npy with a hand-written header dict (for files numpy itself would refuse to write)."""
    text = header.encode("latin1")
    pad = 64 - (10 + len(text) + 1) % 64
    text += b" " * pad + b"\n"
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(b"\x93NUMPY" + bytes(version) + len(text).to_bytes(2, "little") + text + payload)


# The arrays of the written_by_nabla*.npz fixtures, in member order. Keep in sync with `WrittenByNabla`
# in the tests (ZIPWriterTests.swift).
def nabla_written_arrays():
    members = {f"m_{name}": sample(name) for name in VALUES}
    members["zero_d"] = np.array(7.0)
    members["empty"] = np.zeros((0, 3), dtype=np.int8)
    members["ramp"] = ramp((2, 3, 4, 5))
    members["große Ω"] = ramp((3,))
    return members


def check_written_by_nabla():
    """numpy must read the archives Swift's .npz writer produced (stored and deflated, plain and forced ZIP64).

    The Swift test `ZIPWriterTests.goldenBytes` checks that the stored writer still produces exactly these
    bytes (`ZIPWriterTests.deflated` reads the deflated ones back); regenerate them with
        NABLA_WRITE_FIXTURES=$PWD/Tests/NablaFormatsTests/Fixtures swift test --filter ZIPWriterTests
    and then run this script (or just `python3 -c 'import make_format_fixtures as m; m.check_written_by_nabla()'`
    from Scripts/) to check them with numpy and zipfile.
    """
    expected = nabla_written_arrays()
    for name, method in (("written_by_nabla.npz", zipfile.ZIP_STORED), ("written_by_nabla_zip64.npz", zipfile.ZIP_STORED),
                         ("written_by_nabla_compressed.npz", zipfile.ZIP_DEFLATED),
                         ("written_by_nabla_compressed_zip64.npz", zipfile.ZIP_DEFLATED)):
        path = os.path.join(OUT, name)
        if not os.path.exists(path):
            print(f"note: {name} missing; generate it with the Swift test (see check_written_by_nabla)")
            continue
        with zipfile.ZipFile(path) as z:
            assert z.testzip() is None, f"{name}: CRC-32 or header check failed"
            assert [i.compress_type for i in z.infolist()] == [method] * len(expected)
        with np.load(path) as npz:
            assert list(npz.keys()) == list(expected.keys()), (name, list(npz.keys()))
            for key, value in expected.items():
                got = npz[key]
                assert got.dtype == value.dtype and got.shape == value.shape, (name, key, got.dtype, got.shape)
                assert got.tobytes() == value.astype(value.dtype.newbyteorder("<")).tobytes(), (name, key)
        print(f"numpy reads {name}: ok")


def main():
    os.makedirs(OUT, exist_ok=True)
    for old in os.listdir(OUT):
        # The written_by_nabla* archives are Swift's output, only checked here (see check_written_by_nabla).
        if old.endswith((".npy", ".npz")) and not old.startswith("written_by_nabla"):
            os.remove(os.path.join(OUT, old))

    # Every dtype, little and big endian (one file for single-byte dtypes). np.save's bytes are also the
    # reference for the byte-for-byte comparison of Swift's writer (the *_le files and save_*.npy).
    for name in VALUES:
        if np.dtype(name).itemsize == 1:
            save(f"{name}.npy", sample(name))
        else:
            save(f"{name}_le.npy", sample(name, "<"))
            save(f"{name}_be.npy", sample(name, ">"))

    # Shapes: 0-D to 4-D, empty arrays, a long first axis (header growth padding).
    save("save_0d.npy", np.array(2.5))
    save("save_1d.npy", ramp((5,)))
    save("save_2d.npy", ramp((3, 4)))
    save("save_3d.npy", ramp((2, 3, 4)))
    save("save_4d.npy", ramp((2, 1, 3, 2)))
    save("save_empty.npy", ramp((0,)))
    save("save_empty_2d.npy", ramp((3, 0)))
    save("save_long_axis.npy", np.zeros((1000000000000, 0)))
    save("save_int32_3d.npy", ramp((2, 3, 4), "<i4"))

    # Fortran order (numpy writes fortran_order True for F-contiguous arrays that are not C-contiguous).
    save("fortran_2d.npy", np.asfortranarray(ramp((3, 4))))
    save("fortran_3d_be_i4.npy", np.asfortranarray(ramp((2, 3, 4), ">i4")))
    save("fortran_1d.npy", np.asfortranarray(ramp((4,))))  # 1-D: numpy writes fortran_order False
    save("fortran_2d_c8_be.npy", np.asfortranarray(ramp((3, 4), ">c8") + 1j * ramp((3, 4), ">c8")[::-1]))
    save("fortran_3d_c16.npy", np.asfortranarray(ramp((2, 3, 4), "<c16") * (1 - 2j)))

    # Format versions.
    write_version("version_2_0.npy", ramp((2, 3)), (2, 0))
    write_version("version_3_0.npy", ramp((2, 3), ">i2"), (3, 0))

    # npz: stored and deflated, several members in a known order.
    members = dict(alpha=ramp((2, 3)), beta=ramp((4,), "<i4"), gamma=np.array(True), delta=sample("uint16", ">"))
    np.savez(os.path.join(OUT, "savez.npz"), **members)
    np.savez_compressed(os.path.join(OUT, "savez_compressed.npz"), **members, big=np.zeros((64, 64)))

    # Refused dtypes, written by numpy.
    save("object.npy", np.array([1, "a", None], dtype=object), allow_pickle=True)
    save("structured.npy", np.zeros(3, dtype=[("x", "<f8"), ("y", "<i4")]))
    save("complex128.npy", np.array([1 + 2j, 3 - 4j]))
    save("unicode.npy", np.array(["ab", "c"]))
    save("datetime.npy", np.array(["2024-01-01"], dtype="datetime64[D]"))

    # A header that lies: 10^16 float64 elements over 800 bytes of data.
    raw_npy("lying_shape.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (100000000, 100000000), }",
            bytes(800))
    # Formatting numpy never writes but a Python literal allows: spaces, double quotes, trailing commas, L suffix.
    raw_npy("odd_header.npy", '{ "shape" : ( 2 , 3L , ) ,"fortran_order":False,  "descr":"<i2",}',
            np.arange(6, dtype="<i2").tobytes())

    # Damaged archives.
    with open(os.path.join(OUT, "savez.npz"), "rb") as f:
        good = bytearray(f.read())
    data_at = good.index(b"\x93NUMPY") + 150  # inside alpha's data (128-byte header, then 48 bytes)
    bad = bytearray(good)
    bad[data_at] ^= 0xFF
    with open(os.path.join(OUT, "corrupt_crc.npz"), "wb") as f:
        f.write(bad)
    with open(os.path.join(OUT, "savez_compressed.npz"), "rb") as f:
        packed = bytearray(f.read())
    bad = bytearray(packed)
    for k in range(60, 90):  # scramble part of the first member's deflate stream
        bad[k] ^= 0x5A
    with open(os.path.join(OUT, "corrupt_deflate.npz"), "wb") as f:
        f.write(bad)
    with open(os.path.join(OUT, "truncated.npz"), "wb") as f:
        f.write(good[: len(good) // 2])
    with open(os.path.join(OUT, "not_a_zip.npz"), "wb") as f:
        f.write(b"this is not a zip archive\n" * 4)
    # A stored member whose .npy header lies (10^16 elements over 800 bytes).
    with open(os.path.join(OUT, "lying_shape.npy"), "rb") as f:
        lying = f.read()
    with zipfile.ZipFile(os.path.join(OUT, "lying_member.npz"), "w") as z:
        z.writestr("ok.npy", open(os.path.join(OUT, "int8.npy"), "rb").read())
        z.writestr("liar.npy", lying)
    # Central directories that lie about sizes: a deflated member declaring 4 GB uncompressed, and a stored
    # member whose declared uncompressed size differs from its stored size.
    for name, source, new_size in (("lying_size_deflated.npz", "savez_compressed.npz", 0xFFFFFFF0),
                                   ("lying_size_stored.npz", "savez.npz", None)):
        with open(os.path.join(OUT, source), "rb") as f:
            blob = bytearray(f.read())
        cd = blob.index(b"PK\x01\x02")
        size = int.from_bytes(blob[cd + 24:cd + 28], "little")
        blob[cd + 24:cd + 28] = (new_size if new_size is not None else size + 8).to_bytes(4, "little")
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(blob)
    # A zip whose member is not .npy.
    with zipfile.ZipFile(os.path.join(OUT, "foreign_member.npz"), "w") as z:
        z.writestr("readme.txt", "hello")

    check_written_by_nabla()

    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} fixtures, {total} bytes, to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
