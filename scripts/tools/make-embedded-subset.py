#!/usr/bin/env python3
"""Writes the Fashion-MNIST subset embedded in secateur-core.

It keeps the first 10,000 training images and the first 2,000 test images of the
files installed by Debian's dataset-fashion-mnist package (Zalando Research, MIT
licence), in the same gzipped IDX format. Run it from the repository root:

    python3 scripts/tools/make-embedded-subset.py
"""
import gzip
import pathlib
import struct

SOURCE = pathlib.Path("/usr/share/datasets/fashion-mnist")
TARGET = pathlib.Path("framework/core/src/main/resources/dev/secateur/data/fashion-mnist-subset")
KEEP = {"train": 10_000, "t10k": 2_000}


def subset(split: str, n: int) -> None:
    images = gzip.decompress((SOURCE / f"{split}-images-idx3-ubyte.gz").read_bytes())
    labels = gzip.decompress((SOURCE / f"{split}-labels-idx1-ubyte.gz").read_bytes())
    magic, count, rows, cols = struct.unpack(">IIII", images[:16])
    assert magic == 0x803 and count >= n
    out_images = struct.pack(">IIII", magic, n, rows, cols) + images[16:16 + n * rows * cols]
    magic, count = struct.unpack(">II", labels[:8])
    assert magic == 0x801 and count >= n
    out_labels = struct.pack(">II", magic, n) + labels[8:8 + n]
    TARGET.mkdir(parents=True, exist_ok=True)
    # mtime=0 keeps the output byte-identical from run to run
    (TARGET / f"{split}-images-idx3-ubyte.gz").write_bytes(gzip.compress(out_images, 9, mtime=0))
    (TARGET / f"{split}-labels-idx1-ubyte.gz").write_bytes(gzip.compress(out_labels, 9, mtime=0))


for split, n in KEEP.items():
    subset(split, n)
