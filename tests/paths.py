"""Where the tests find shared material.

CI runs in a fresh clone in another folder with a copy of ``shared/`` beside it, so paths are derived
from the repository root (``<repo>/../shared``), never hard-coded. ``AKTENWERK_SHARED_DIR`` overrides.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = Path(os.environ.get("AKTENWERK_SHARED_DIR", REPO_ROOT.parent / "shared"))
CORPUS_DIR = SHARED_DIR / "corpus" / "einvoice"
