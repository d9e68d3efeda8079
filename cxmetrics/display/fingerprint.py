"""A digest of what a chart or table is drawn from, so a drawing can be reused for the same inputs."""

from __future__ import annotations

import hashlib
import pickle
from typing import Any


def fingerprint(*values: Any) -> str | None:
    """A digest of `values` by their pickled form, which holds every value, label and type (never a sample of rows):
    different inputs never share a digest; equal inputs built differently may, rarely, not (a drawing is then made
    again). None when a value cannot be pickled."""
    try:
        data = pickle.dumps(values, protocol=5)
    except (pickle.PicklingError, TypeError, AttributeError):
        return None
    return hashlib.blake2b(data, digest_size=20).hexdigest()
