#!/usr/bin/env python3
"""Writes three small data sets that ship inside scikit-learn as files Secateur's data block reads.

    python3 scripts/tools/sklearn_data.py                 # into data/sklearn
    python3 scripts/tools/sklearn_data.py --out /tmp/sk   # somewhere else

It needs NumPy and scikit-learn (on Debian: apt-get install python3-sklearn). The data sets are read from
files inside the scikit-learn package, so nothing is downloaded. It writes:

  digits-x.npy       uint8 [1797, 1, 8, 8]: sklearn's 8x8 digit images. Their values are 0 to 16; they are
                     stretched to 0 to 255 as round(v * 255 / 16), so Secateur's automatic scale for uint8
                     arrays (1/255) maps them to [0, 1].
  digits-y.npy       int64 [1797]: the digit, 0 to 9.
  breast-cancer.csv  569 rows: a header of the 30 feature names, then one row per tumour, and a last column
                     'target' holding the class name, 'malignant' or 'benign'.
  wine.csv           178 rows: the 13 feature names, and 'target' holding 'class_0', 'class_1' or 'class_2'.

read in Secateur as

  data npy(x: 'data/sklearn/digits-x.npy', y: 'data/sklearn/digits-y.npy', testFraction: 0.25)
  data csv('data/sklearn/breast-cancer.csv', label: 'target', testFraction: 0.25, standardize: true)

The output is deterministic: the same scikit-learn data gives the same bytes, and the SHA-256 printed for each
file is the one spec.json records for it.
"""

import argparse
import csv
import hashlib
import os
import sys

import numpy as np


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_digits(out):
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = digits.images  # float64 [N, 8, 8], whole numbers 0 to 16
    if images.min() < 0 or images.max() > 16 or not np.array_equal(images, np.round(images)):
        sys.exit("unexpected digits values: expected whole numbers 0 to 16")
    # round half away from zero on non-negative values: floor(v * 255 / 16 + 0.5)
    x = np.floor(images * 255.0 / 16.0 + 0.5).astype(np.uint8)[:, np.newaxis, :, :]  # [N, 1, 8, 8], NCHW
    y = digits.target.astype(np.int64)
    paths = [os.path.join(out, "digits-x.npy"), os.path.join(out, "digits-y.npy")]
    np.save(paths[0], x)
    np.save(paths[1], y)
    return [(paths[0], "uint8 %s, values 0-255 (sklearn's 0-16 as round(v*255/16))" % (list(x.shape),)),
            (paths[1], "int64 %s, digits 0-9" % (list(y.shape),))]


def write_table(out, name, bunch):
    path = os.path.join(out, name + ".csv")
    names = [str(n) for n in bunch.feature_names]
    if "target" in names:
        sys.exit("%s already has a feature named 'target'" % name)
    with open(path, "w", newline="", encoding="utf-8") as f:
        # QUOTE_MINIMAL quotes a name only where it needs it (a comma, a quote, a line break)
        writer = csv.writer(f, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(names + ["target"])
        for row, label in zip(bunch.data, bunch.target):
            # repr of a float is the shortest text that reads back as the same double: deterministic and exact
            writer.writerow([repr(float(v)) for v in row] + [str(bunch.target_names[label])])
    classes = ", ".join("%s %d" % (n, c) for n, c in zip(bunch.target_names, np.bincount(bunch.target)))
    return [(path, "%d rows x %d features + 'target' (%s)" % (bunch.data.shape[0], bunch.data.shape[1], classes))]


def main():
    parser = argparse.ArgumentParser(description="Write scikit-learn's digits, breast cancer and wine data sets as "
                                                 ".npy and .csv files for Secateur's data block.")
    parser.add_argument("--out", default=os.path.join("data", "sklearn"),
                        help="directory to write into (default: data/sklearn, created if missing)")
    args = parser.parse_args()
    try:
        from sklearn.datasets import load_breast_cancer, load_wine
    except ImportError:
        sys.exit("scikit-learn is not installed for %s; install it (apt-get install python3-sklearn, or pip install "
                 "scikit-learn), or run /usr/bin/python3 where Debian's package is" % sys.executable)
    os.makedirs(args.out, exist_ok=True)
    written = write_digits(args.out)
    written += write_table(args.out, "breast-cancer", load_breast_cancer())
    written += write_table(args.out, "wine", load_wine())
    for path, what in written:
        print("%s  %s" % (sha256(path), path))
        print("    %d bytes: %s" % (os.path.getsize(path), what))


if __name__ == "__main__":
    main()
