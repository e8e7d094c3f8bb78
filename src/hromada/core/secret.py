from __future__ import annotations

import secrets
from pathlib import Path


def load_or_create_secret_key(path: Path) -> str:
    """The node's secret key, made once at first start and kept beside its database."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.touch(mode=0o600)
    path.write_text(key)
    return key
