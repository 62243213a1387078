"""UI text catalogs: German (default) and English.

Catalogs are flat JSON files (``de.json``, ``en.json``) mapping a dotted key to a text with optional
``{name}`` placeholders. German is the reference: a key missing in English falls back to German, a key
missing everywhere renders as the key itself (visible, never a crash).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Final

DEFAULT_LANGUAGE: Final = "de"
LANGUAGES: Final = ("de", "en")
LANGUAGE_NAMES: Final = {"de": "Deutsch", "en": "English"}
_DIR = Path(__file__).parent


@cache
def catalog(language: str) -> dict[str, str]:
    """The catalog of ``language`` (read once per process)."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    data = json.loads((_DIR / f"{language}.json").read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"catalog {language} is not an object")
    return {str(k): str(v) for k, v in data.items()}


def normalise_language(value: str | None) -> str:
    """Map a cookie value or an ``Accept-Language`` header to a supported language code."""
    if not value:
        return DEFAULT_LANGUAGE
    for part in value.split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


class Translator:
    """Looks up texts for one language; callable from templates as ``t("key", name=value)``."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        self._texts = catalog(self.language)
        self._fallback = catalog(DEFAULT_LANGUAGE)

    def __call__(self, key: str, **params: object) -> str:
        text = self._texts.get(key) or self._fallback.get(key) or key
        if params:
            try:
                return text.format(**params)
            except (KeyError, IndexError, ValueError):
                return text
        return text

    def has(self, key: str) -> bool:
        return key in self._texts
