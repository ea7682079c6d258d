"""Shared pytest set-up. Each area keeps its fixtures in tests/<area>/conftest.py;
tests are marked by the folder they live in so `pytest -m evm` selects an area."""

from __future__ import annotations

from pathlib import Path

import pytest

AREAS = {"evm", "toolchain", "escrow", "staking", "solana_rpc", "facilitator", "e2e"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tests_root = Path(__file__).parent
    for item in items:
        rel = Path(item.fspath).relative_to(tests_root)
        if len(rel.parts) > 1 and rel.parts[0] in AREAS:
            item.add_marker(getattr(pytest.mark, rel.parts[0]))
