"""Counter-based random draws: every value is a pure function of (seed, stream, key).

A draw for declaration ``d`` (or item ``d * MAX_KEY_ITEMS + item_no``) never depends on which
chunk the declaration falls in, so the output is identical whatever the chunk size. The mixing
function is the SplitMix64 finaliser, applied to ``key * golden + stream_key``.
"""

from __future__ import annotations

import zlib

import numpy as np

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_TWO_POW_53 = float(2**-53)


def _mix_int(x: int) -> int:
    """SplitMix64 finaliser on a Python int."""
    x &= _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser on a uint64 array (in place; wraps modulo 2**64)."""
    x ^= x >> np.uint64(30)
    x *= _M1
    x ^= x >> np.uint64(27)
    x *= _M2
    x ^= x >> np.uint64(31)
    return x


class Draws:
    """Independent uniform streams keyed by name, indexed by integer keys.

    Args:
        seed: The generation seed.
    """

    def __init__(self, seed: int) -> None:
        self._seed = _mix_int(seed * _GOLDEN + 0x632BE59BD9B4E019)

    def _stream_key(self, stream: str) -> np.uint64:
        return np.uint64(_mix_int(self._seed ^ _mix_int(zlib.crc32(stream.encode()))))

    def bits(self, stream: str, keys: np.ndarray) -> np.ndarray:
        """64 random bits per key."""
        x = keys.astype(np.uint64) * np.uint64(_GOLDEN)
        x += self._stream_key(stream)
        return _mix(x)

    def uniform(self, stream: str, keys: np.ndarray) -> np.ndarray:
        """Uniform floats in [0, 1)."""
        return (self.bits(stream, keys) >> np.uint64(11)).astype(np.float64) * _TWO_POW_53

    def normal(self, stream: str, keys: np.ndarray) -> np.ndarray:
        """Standard normal floats (Box-Muller on two uniform streams)."""
        u1 = self.uniform(stream + "/r", keys)
        u2 = self.uniform(stream + "/a", keys)
        return np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2)

    def lognormal(self, stream: str, keys: np.ndarray, sigma: float) -> np.ndarray:
        """Log-normal factors with median 1."""
        return np.exp(sigma * self.normal(stream, keys))

    def between(self, stream: str, keys: np.ndarray, low: float, high: float) -> np.ndarray:
        """Uniform floats in [low, high)."""
        return low + (high - low) * self.uniform(stream, keys)

    def integers(self, stream: str, keys: np.ndarray, high: np.ndarray | int) -> np.ndarray:
        """Uniform integers in [0, high) (``high`` may vary per key)."""
        return (self.uniform(stream, keys) * high).astype(np.int64)

    def choice(self, stream: str, keys: np.ndarray, cum_weights: np.ndarray) -> np.ndarray:
        """Indices drawn with probabilities given by cumulative (not normalised) weights."""
        u = self.uniform(stream, keys) * cum_weights[-1]
        return np.minimum(np.searchsorted(cum_weights, u, side="right"), len(cum_weights) - 1)

    def choice_rows(
        self, stream: str, keys: np.ndarray, rows: np.ndarray, table: np.ndarray
    ) -> np.ndarray:
        """Per key, a column drawn from row ``rows[i]`` of a :func:`row_cumulative` table."""
        ncols = table.shape[1]
        target = rows + self.uniform(stream, keys)
        idx = np.searchsorted(table.ravel(), target, side="right") - rows * ncols
        return np.clip(idx, 0, ncols - 1)

    def chance(self, stream: str, keys: np.ndarray, p: np.ndarray | float) -> np.ndarray:
        """Booleans that are true with probability ``p``."""
        return self.uniform(stream, keys) < p


def row_cumulative(weights: np.ndarray) -> np.ndarray:
    """Turn a (rows x columns) weight matrix into a table for :meth:`Draws.choice_rows`.

    Row ``r`` holds ``r + cumsum(p_r)``, so the flattened table is sorted and one
    ``searchsorted`` serves every row at once.
    """
    w = np.asarray(weights, dtype=np.float64)
    cum = np.cumsum(w, axis=1) / w.sum(axis=1, keepdims=True)
    cum[:, -1] = 1.0
    return cum + np.arange(w.shape[0], dtype=np.float64)[:, None]
