from __future__ import annotations

from hromada.cli import main

main()
