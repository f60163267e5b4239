"""Fashion-MNIST from Debian's dataset-fashion-mnist, and the fixed splits of the measured profile.

The four IDX files of the package (/usr/share/datasets/fashion-mnist/*.gz) are read directly (no
download, no torchvision).  Every split is defined by sorting image indices by a SplitMix64 hash of
(index, salt), implemented here, so it does not depend on numpy's or torch's random generators or their
versions:

- training pool: the `pool_size` images of the official *training* split (60,000) with the smallest
  hash(index, POOL_SALT), in that order.  Data fraction f trains on the first round(f * pool_size)
  images of this order, so a smaller fraction is a prefix of a larger one;
- validation and test sets: the official *test* split (10,000) ordered by hash(index, HOLDOUT_SALT); the
  first `holdout_size` images are the validation set, the next `holdout_size` the test set (disjoint).
"""
from __future__ import annotations

import gzip
import hashlib
import os
from dataclasses import dataclass

import numpy as np

DATA_DIR = "/usr/share/datasets/fashion-mnist"
FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}
CLASSES = 10
PIXELS = 28 * 28
POOL_SALT = 0x5EED0001
HOLDOUT_SALT = 0x5EED0002

MASK64 = (1 << 64) - 1


def splitmix64(x: int) -> int:
    """One SplitMix64 output for state x (Steele, Lea, Flood 2014), on Python integers."""
    x = (x + 0x9E3779B97F4A7C15) & MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK64
    return x ^ (x >> 31)


def key(*words: int) -> int:
    """A 64-bit key mixing several integers (chained SplitMix64)."""
    h = 0
    for w in words:
        h = splitmix64(h ^ (int(w) & MASK64))
    return h


def splitmix64_array(x: np.ndarray) -> np.ndarray:
    """SplitMix64 over a uint64 array (numpy wraps uint64 array arithmetic modulo 2^64)."""
    x = x.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def hash_order(n: int, salt: int) -> np.ndarray:
    """Indices 0..n-1 sorted by SplitMix64(index XOR salt-key), ties (none expected) by index."""
    salt_key = np.uint64(splitmix64(salt))
    h = splitmix64_array(np.arange(n, dtype=np.uint64) ^ salt_key)
    return np.lexsort((np.arange(n), h)).astype(np.int64)


def _read_idx(path: str, offset: int) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        raw = f.read()
    return np.frombuffer(raw, dtype=np.uint8, offset=offset)


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass
class Splits:
    pool_x: np.ndarray        # uint8 [pool_size, 784], in pool order
    pool_y: np.ndarray        # uint8 [pool_size]
    pool_index: np.ndarray    # indices into the official training split
    val_x: np.ndarray
    val_y: np.ndarray
    val_index: np.ndarray     # indices into the official test split
    test_x: np.ndarray
    test_y: np.ndarray
    test_index: np.ndarray
    files: dict               # file name -> sha256


def load_splits(pool_size: int, holdout_size: int, data_dir: str = DATA_DIR) -> Splits:
    paths = {k: os.path.join(data_dir, v) for k, v in FILES.items()}
    for p in paths.values():
        if not os.path.isfile(p):
            raise SystemExit(f"error: {p} not found: install Debian's dataset-fashion-mnist "
                             "(apt-get install dataset-fashion-mnist)")
    train_x = _read_idx(paths["train_images"], 16).reshape(-1, PIXELS)
    train_y = _read_idx(paths["train_labels"], 8)
    test_x = _read_idx(paths["test_images"], 16).reshape(-1, PIXELS)
    test_y = _read_idx(paths["test_labels"], 8)
    if len(train_x) != len(train_y) or len(test_x) != len(test_y):
        raise SystemExit("error: Fashion-MNIST image and label counts differ")
    if not 0 < pool_size <= len(train_x):
        raise SystemExit(f"error: pool size must be in [1, {len(train_x)}], got {pool_size}")
    if not 0 < 2 * holdout_size <= len(test_x):
        raise SystemExit(f"error: held-out size must be in [1, {len(test_x) // 2}], got {holdout_size}")
    pool = hash_order(len(train_x), POOL_SALT)[:pool_size]
    held = hash_order(len(test_x), HOLDOUT_SALT)
    val, test = held[:holdout_size], held[holdout_size:2 * holdout_size]
    return Splits(pool_x=train_x[pool], pool_y=train_y[pool], pool_index=pool,
                  val_x=test_x[val], val_y=test_y[val], val_index=val,
                  test_x=test_x[test], test_y=test_y[test], test_index=test,
                  files={v: sha256(paths[k]) for k, v in FILES.items()})


def fraction_size(fraction: float, pool_size: int) -> int:
    return max(1, int(round(fraction * pool_size)))
