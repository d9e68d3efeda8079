"""How the load and import commands print rejected rows: the first ones, and how many more the database keeps."""

from __future__ import annotations

import sys
from collections.abc import Sequence

SHOWN_REJECTS = 50


def print_rejects(rejects: Sequence[object]) -> None:
    """The first SHOWN_REJECTS rejects on stderr (file, line, column and reason each), and a count of the rest."""
    for reject in rejects[:SHOWN_REJECTS]:
        print(f"rejected: {reject}", file=sys.stderr)
    hidden = len(rejects) - SHOWN_REJECTS
    if hidden > 0:
        print(f"... and {hidden} more problems (all kept in the load_rejects table)", file=sys.stderr)
