"""The editable theme taxonomy (theme -> label and phrases) and the tagging of texts with it.

Phrases match whole words, ignoring case; a trailing `*` also matches longer words. The same regular expression
tags a text in Python (`tag`) and in DuckDB (`Theme.pattern`, bound as a parameter): the syntax used is common to
Python's `re` and DuckDB's RE2.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cxmetrics import config

DEFAULT_FILE = Path(__file__).resolve().parent / "themes_default.toml"
_SPECIAL = set(r".^$*+?()[]{}|\/")


@dataclass(frozen=True)
class Theme:
    """One theme: its key, the label readers see, and the phrases that tag a text with it."""

    key: str
    label: str
    phrases: tuple[str, ...]

    @cached_property
    def pattern(self) -> str:
        """A case-insensitive regular expression matching any phrase as whole words."""
        return r"(?i)\b(?:" + "|".join(_phrase_regex(p) for p in self.phrases) + r")\b"


@dataclass(frozen=True)
class Taxonomy:
    """The themes in file order and a fingerprint of their content (changes when a theme or phrase changes)."""

    themes: tuple[Theme, ...]

    @property
    def fingerprint(self) -> str:
        """A short hash of the keys, labels and phrases."""
        text = "\n".join(f"{t.key}\t{t.label}\t" + "\t".join(t.phrases) for t in self.themes)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def labels(self) -> dict[str, str]:
        """Theme key -> label."""
        return {t.key: t.label for t in self.themes}


def _phrase_regex(phrase: str) -> str:
    """One phrase as a regex: special characters escaped, spaces as any whitespace, a trailing * as word letters."""
    stem, wildcard = (phrase[:-1], r"\w*") if phrase.endswith("*") else (phrase, "")
    escaped = "".join("\\" + ch if ch in _SPECIAL else ch for ch in stem.strip().lower())
    return re.sub(r"\s+", r"\\s+", escaped) + wildcard


def parse(text: str) -> Taxonomy:
    """A taxonomy from TOML text: one table per theme with `label` and `phrases`."""
    themes = []
    for key, entry in tomllib.loads(text).items():
        phrases = entry.get("phrases") if isinstance(entry, dict) else None
        if not phrases or not all(isinstance(p, str) and p.strip() for p in phrases):
            raise ValueError(f"theme {key!r}: needs a non-empty list of phrases")
        themes.append(Theme(key, str(entry.get("label", key)), tuple(p.strip() for p in phrases)))
    if not themes:
        raise ValueError("the taxonomy has no themes")
    return Taxonomy(tuple(themes))


def taxonomy_path() -> Path:
    """The configured taxonomy file (setting CX_THEMES), or the shipped default."""
    configured = str(config.get("CX_THEMES"))
    return Path(configured) if configured else DEFAULT_FILE


def load(path: Path | str | None = None) -> Taxonomy:
    """The taxonomy in `path` (default: the configured file)."""
    return parse(Path(path or taxonomy_path()).read_text(encoding="utf-8"))


def tag(taxonomy: Taxonomy, text: str | None) -> tuple[str, ...]:
    """The keys of the themes a text mentions, in taxonomy order."""
    if not text:
        return ()
    return tuple(t.key for t in taxonomy.themes if re.search(t.pattern, text))
