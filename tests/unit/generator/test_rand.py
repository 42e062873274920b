from __future__ import annotations

import numpy as np

from icrms.generator.rand import Draws, row_cumulative


def test_a_draw_depends_only_on_seed_stream_and_key() -> None:
    keys = np.arange(1000)
    whole = Draws(1).uniform("x", keys)
    assert np.array_equal(Draws(1).uniform("x", keys[500:]), whole[500:])
    assert np.array_equal(Draws(1).uniform("x", keys[::-1]), whole[::-1])
    assert not np.array_equal(Draws(2).uniform("x", keys), whole)
    assert not np.array_equal(Draws(1).uniform("y", keys), whole)


def test_uniforms_are_uniform_and_streams_independent() -> None:
    keys = np.arange(200_000)
    u = Draws(7).uniform("a", keys)
    v = Draws(7).uniform("b", keys)
    assert u.min() >= 0.0 and u.max() < 1.0
    assert np.allclose(np.histogram(u, bins=10, range=(0, 1))[0] / keys.size, 0.1, atol=0.005)
    assert abs(np.corrcoef(u, v)[0, 1]) < 0.01
    assert abs(np.corrcoef(u[1:], u[:-1])[0, 1]) < 0.01


def test_normal_has_unit_variance() -> None:
    z = Draws(3).normal("z", np.arange(200_000))
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1.0) < 0.01


def test_choice_rows_follows_each_rows_weights() -> None:
    weights = np.array([[0.0, 1.0, 3.0], [5.0, 0.0, 0.0], [1.0, 1.0, 0.0]])
    table = row_cumulative(weights)
    keys = np.arange(90_000)
    rows = keys % 3
    picked = Draws(5).choice_rows("c", keys, rows, table)
    counts = np.zeros((3, 3))
    np.add.at(counts, (rows, picked), 1)
    share = counts / counts.sum(axis=1, keepdims=True)
    assert np.allclose(share, weights / weights.sum(axis=1, keepdims=True), atol=0.01)
    assert counts[0, 0] == counts[1, 1] == counts[1, 2] == counts[2, 2] == 0


def test_choice_uses_cumulative_weights() -> None:
    picked = Draws(5).choice("c", np.arange(50_000), np.cumsum([1.0, 0.0, 4.0]))
    share = np.bincount(picked, minlength=3) / picked.size
    assert share[1] == 0 and abs(share[0] - 0.2) < 0.01
