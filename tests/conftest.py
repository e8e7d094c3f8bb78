from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.serving import ServedApp, serve


@pytest.fixture(scope="module")
def served_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    """A real `hromada serve` with a small demo town, shared by the tests of one module."""
    tmp: Path = tmp_path_factory.mktemp("served")
    with serve(tmp) as app:
        yield app
