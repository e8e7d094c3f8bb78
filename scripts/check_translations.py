"""Every user-facing string is translated to Ukrainian, and the compiled catalogue is current.

1. Gather the strings from the source afresh (makemessages, in a copy of the tree);
2. `msgcmp` says whether the committed uk catalogue translates every one of them (an
   untranslated or fuzzy entry counts as missing);
3. `msgfmt --check` validates placeholders, and the compiled .mo must equal the committed one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "hromada"
CATALOGUE = PACKAGE / "locale" / "uk" / "LC_MESSAGES"


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "hromada"
        shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("locale", "__pycache__"))
        (copy / "locale").mkdir()  # makemessages writes into the package's own locale folder
        env = {**os.environ, "HROMADA_DATA_DIR": tmp}
        subprocess.run(
            [sys.executable, "-m", "hromada", "makemessages", "-l", "uk", "--no-location",
             "--ignore", "static/vendor/*"],
            cwd=copy, env=env, check=True, capture_output=True,
        )  # fmt: skip
        fresh = copy / "locale" / "uk" / "LC_MESSAGES" / "django.po"
        compared = subprocess.run(
            ["msgcmp", str(CATALOGUE / "django.po"), str(fresh)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if compared.returncode != 0:
            print("Strings without a Ukrainian translation (run `make messages`, translate):")
            print(compared.stderr)
            return 1
        compiled = Path(tmp) / "django.mo"
        subprocess.run(
            ["msgfmt", "--check", "-o", str(compiled), str(CATALOGUE / "django.po")], check=True
        )
        if compiled.read_bytes() != (CATALOGUE / "django.mo").read_bytes():
            print("django.mo is stale: run `make messages` and commit it.")
            return 1
    print("translations: every string has its Ukrainian translation")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
