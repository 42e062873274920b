"""Gradient-boosted trees as flat arrays, traversed by compiled loops (numba): live and bulk alike.

A LightGBM text model is parsed here, strictly, into one set of node arrays; LightGBM itself
never reads a stored model, so a malformed or hostile file is a clear error, not a crash in a
C++ library. One compiled function scores any number of rows, tree after tree in a fixed order,
so a declaration scored alone (live) and among a million (bulk) gets the same bits.

Explanations are path attributions (Saabas; XGBoost's ``approx_contribs``): along the row's path
in each tree, the change of the node value at a split is credited to the split's feature. They
add up, with the bias (the root values), to the raw score, and cost one more traversal of one row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from icrms.errors import ValidationError

MAX_NODES = 5_000_000
DEFAULT_LEFT = 2  # LightGBM decision_type bits: 1 categorical, 2 default left, 12 missing type
MISSING_NAN = 2


@njit(cache=True, nogil=True)
def _raw(x, feature, threshold, nan_left, left, right, leaf, value, roots):  # type: ignore[no-untyped-def]  # pragma: no cover
    out = np.empty(x.shape[0])
    for r in range(x.shape[0]):
        total = 0.0
        for t in range(roots.shape[0]):
            n = roots[t]
            while not leaf[n]:
                v = x[r, feature[n]]
                go = nan_left[n] if math.isnan(v) else v <= threshold[n]
                n = left[n] if go else right[n]
            total += value[n]
        out[r] = total
    return out


@njit(cache=True, nogil=True)
def _paths(x, feature, threshold, nan_left, left, right, leaf, value, roots, width):  # type: ignore[no-untyped-def]  # pragma: no cover
    out = np.zeros((x.shape[0], width + 1))
    for r in range(x.shape[0]):
        for t in range(roots.shape[0]):
            n = roots[t]
            out[r, width] += value[n]
            while not leaf[n]:
                v = x[r, feature[n]]
                go = nan_left[n] if math.isnan(v) else v <= threshold[n]
                child = left[n] if go else right[n]
                out[r, feature[n]] += value[child] - value[n]
                n = child
    return out


def _field(block: dict[str, str], name: str, kind: type, count: int) -> np.ndarray:
    text = block.get(name)
    if text is None:
        raise ValueError(f"missing {name}")
    parts = text.split()
    if len(parts) != count:
        raise ValueError(f"{name} has {len(parts)} values, expected {count}")
    return np.array([kind(p) for p in parts])


@dataclass(frozen=True)
class Forest:
    """The nodes of every tree; leaves point to themselves and stop a traversal."""

    names: tuple[str, ...]
    feature: np.ndarray
    threshold: np.ndarray
    nan_left: np.ndarray
    left: np.ndarray
    right: np.ndarray
    leaf: np.ndarray
    value: np.ndarray
    roots: np.ndarray
    sigmoid: bool

    @property
    def trees(self) -> int:
        """Number of trees."""
        return int(self.roots.size)

    def _args(self) -> tuple[np.ndarray, ...]:
        return (
            self.feature,
            self.threshold,
            self.nan_left,
            self.left,
            self.right,
            self.leaf,
            self.value,
            self.roots,
        )

    def _rows(self, x: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != len(self.names):
            raise ValidationError("features", x.shape, f"expected {len(self.names)} columns")
        return x

    def raw(self, x: np.ndarray) -> np.ndarray:
        """Raw score (sum of leaf values) of each row."""
        return _raw(self._rows(x), *self._args())  # type: ignore[no-any-return,call-arg]

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The model's output: a probability for a binary model, the raw score otherwise."""
        raw = self.raw(x)
        return 1.0 / (1.0 + np.exp(-raw)) if self.sigmoid else raw

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Per row, each feature's path attribution and (last column) the bias."""
        return _paths(self._rows(x), *self._args(), len(self.names))  # type: ignore[no-any-return,call-arg]

    @classmethod
    def parse(cls, text: str, *, source: str = "model") -> Forest:
        """Read LightGBM's text format; anything unexpected is a :class:`ValidationError`."""
        try:
            return cls._parse(text)
        except ValidationError:
            raise
        except (ValueError, KeyError, IndexError, OverflowError) as exc:
            raise ValidationError(source, "model.txt", f"not a usable tree model: {exc}") from exc

    @classmethod
    def _parse(cls, text: str) -> Forest:
        head, _, rest = text.partition("\nTree=")
        header = dict(line.split("=", 1) for line in head.splitlines() if "=" in line)
        if header.get("num_class", "1") != "1" or header.get("num_tree_per_iteration", "1") != "1":
            raise ValueError("only single-output models are supported")
        names = tuple(header["feature_names"].split())
        sigmoid = header.get("objective", "").startswith("binary")
        body = rest.split("\nend of trees", 1)[0]
        blocks = [b for b in ("Tree=" + body).split("\nTree=") if b.strip()] if rest else []
        nodes: dict[str, list[np.ndarray]] = {
            k: [] for k in ("feature", "threshold", "nan_left", "left", "right", "leaf", "value")
        }
        roots, base = [], 0
        for raw_block in blocks:
            block = dict(line.split("=", 1) for line in raw_block.splitlines() if "=" in line)
            leaves = int(block["num_leaves"])
            if leaves < 1 or base + 2 * leaves > MAX_NODES:
                raise ValueError(f"num_leaves={leaves} out of range")
            if int(block.get("num_cat", "0")) != 0:
                raise ValueError("categorical splits are not supported")
            leaf_value = _field(block, "leaf_value", float, leaves)
            inner = leaves - 1
            parts: dict[str, np.ndarray]
            if inner == 0:
                parts = {
                    "feature": np.zeros(1, np.int32),
                    "threshold": np.zeros(1),
                    "nan_left": np.zeros(1, np.bool_),
                    "left": np.array([base], np.int32),
                    "right": np.array([base], np.int32),
                    "leaf": np.ones(1, np.bool_),
                    "value": leaf_value,
                }
            else:
                parts = cls._tree(block, inner, leaf_value, base, len(names))
            for k, v in parts.items():
                nodes[k].append(v)
            roots.append(base)
            base += inner + leaves
        arrays = {k: np.concatenate(v) if v else np.zeros(0) for k, v in nodes.items()}
        for k, dtype in (("feature", np.int32), ("left", np.int32), ("right", np.int32)):
            arrays[k] = arrays[k].astype(dtype)
        for k in ("nan_left", "leaf"):
            arrays[k] = arrays[k].astype(np.bool_)
        if not np.all(np.isfinite(arrays["value"])) or np.any(np.isnan(arrays["threshold"])):
            raise ValueError("non-finite leaf value or threshold")
        return cls(names, roots=np.array(roots, np.int32), sigmoid=sigmoid, **arrays)

    @staticmethod
    def _tree(
        block: dict[str, str], inner: int, leaf_value: np.ndarray, base: int, width: int
    ) -> dict[str, np.ndarray]:
        feature = _field(block, "split_feature", int, inner)
        threshold = _field(block, "threshold", float, inner)
        decision = _field(block, "decision_type", int, inner)
        left = _field(block, "left_child", int, inner)
        right = _field(block, "right_child", int, inner)
        internal = _field(block, "internal_value", float, inner)
        if np.any(decision & 1):
            raise ValueError("categorical splits are not supported")
        missing = (decision >> 2) & 3
        if np.any(missing == 1):
            raise ValueError("zero-as-missing splits are not supported")
        if np.any((feature < 0) | (feature >= width)):
            raise ValueError("split on a feature the model does not name")
        own = np.arange(inner)
        for child in (left, right):
            # an inner child always comes after its parent: a traversal cannot loop
            if np.any((child >= 0) & ((child <= own) | (child >= inner))):
                raise ValueError("inner node order")
            if np.any((child < 0) & (~child >= inner + 1)):
                raise ValueError("leaf index out of range")
        leaves = inner + 1
        # NaN goes the default way when missing values were seen, else compares as 0.0
        nan_left = np.where(missing == MISSING_NAN, (decision & DEFAULT_LEFT) > 0, threshold >= 0)
        to_global = np.vectorize(lambda c: base + c if c >= 0 else base + inner + ~c, otypes=[int])
        return {
            "feature": np.concatenate([feature, np.zeros(leaves, int)]),
            "threshold": np.concatenate([threshold, np.zeros(leaves)]),
            "nan_left": np.concatenate([nan_left, np.zeros(leaves, bool)]),
            "left": np.concatenate([to_global(left), base + inner + np.arange(leaves)]),
            "right": np.concatenate([to_global(right), base + inner + np.arange(leaves)]),
            "leaf": np.concatenate([np.zeros(inner, bool), np.ones(leaves, bool)]),
            "value": np.concatenate([internal, leaf_value]),
        }
