from __future__ import annotations

import os
import secrets
from pathlib import Path


def load_or_create_secret_key(path: Path) -> str:
    """The node's secret key, made once at first start and kept beside its database."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    # written beside it and renamed into place: a power cut leaves the old file or the new,
    # never an empty key
    draft = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
    draft.touch(mode=0o600)
    draft.write_text(key)
    os.replace(draft, path)
    return key
