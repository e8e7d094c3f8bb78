"""An acknowledged check-in survives a crash and a retry never doubles it: a short soak against
a real `hromada serve` killed with SIGKILL at random moments (a SQLite file, or PostgreSQL
under scripts/with-postgres). bench/soak.py runs the long one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.serving import serve
from tests.soak import SoakConfig, households_for, run_soak

pytestmark = pytest.mark.server


def test_it_keeps_every_acknowledged_check_in_exactly_once_across_kills(tmp_path: Path) -> None:
    config = SoakConfig(writes=300, kills=5, clients=4, deadline_seconds=240)
    with serve(tmp_path, households=households_for(config.writes)) as app:
        result = run_soak(app, config)
    figures = result.figures()
    assert result.violations == [], figures
    assert result.kills == config.kills + 1, figures  # the last one after the desks finished
    assert result.acknowledged == config.writes, figures
    assert result.retries > 0, f"no kill caught a request in flight: {figures}"
    assert result.replayed == config.writes, figures
    if result.database == "sqlite":
        assert result.synchronous == "FULL", figures
