"""The instance identity: created once, private to its owner, signatures that verify."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from icrms.core.identity import fingerprint, load_identity, verify
from icrms.errors import ConfigurationError


def test_created_once_with_owner_only_modes(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    first = load_identity(keys)
    assert stat.S_IMODE((keys / "identity.key").stat().st_mode) == 0o600
    assert stat.S_IMODE(keys.stat().st_mode) == 0o700
    again = load_identity(keys)
    assert again.public_key == first.public_key
    assert again.fingerprint == fingerprint(first.public_key)
    assert len(first.fingerprint.split(":")) == 16


def test_signature_binds_data_and_key(tmp_path: Path) -> None:
    ours = load_identity(tmp_path / "a")
    theirs = load_identity(tmp_path / "b")
    signature = ours.sign(b"bundle")
    assert verify(ours.public_key, b"bundle", signature)
    assert not verify(ours.public_key, b"bundle!", signature)
    assert not verify(theirs.public_key, b"bundle", signature)
    assert not verify(b"short", b"bundle", signature)


def test_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    load_identity(keys)
    (keys / "identity.key").chmod(0o644)
    with pytest.raises(ConfigurationError, match="readable by other users"):
        load_identity(keys)


def test_missing_key_is_not_created_when_asked_not_to(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="no instance key"):
        load_identity(tmp_path / "keys", create=False)
    assert not (tmp_path / "keys").exists()
