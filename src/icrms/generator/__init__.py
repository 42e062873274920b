"""Synthetic customs declarations with planted, documented fraud patterns (see docs/generator.md)."""

from __future__ import annotations

from icrms.generator.runner import GenerateResult, generate

__all__ = ["GenerateResult", "generate"]
