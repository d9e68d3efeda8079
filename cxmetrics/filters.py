"""The global filters and the access scope: one frozen object every query receives."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

# Dimensions a user may filter or group by. Values are always bound parameters; only these names reach SQL.
DIMENSIONS: tuple[str, ...] = ("region", "segment", "industry", "touchpoint", "channel", "survey", "nps_group")


@dataclass(frozen=True)
class AccessScope:
    """The regions a user may see; `None` means every region (executives, local use)."""

    regions: tuple[str, ...] | None = None

    @property
    def unrestricted(self) -> bool:
        """Whether the scope allows every region."""
        return self.regions is None


@dataclass(frozen=True)
class Filters:
    """Period range and dimension selections; an empty selection means all values."""

    start: date | None = None
    end: date | None = None
    regions: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    touchpoints: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    scope: AccessScope = field(default_factory=AccessScope)
    industries: tuple[str, ...] = ()
    surveys: tuple[str, ...] = ()

    def with_period(self, start: date | None, end: date | None) -> Filters:
        """The same filters over another period."""
        return replace(self, start=start, end=end)

    def selections(self) -> dict[str, tuple[str, ...]]:
        """Non-empty dimension selections keyed by dimension name."""
        chosen = {
            "region": self.regions,
            "segment": self.segments,
            "touchpoint": self.touchpoints,
            "channel": self.channels,
            "industry": self.industries,
            "survey": self.surveys,
        }
        return {dim: values for dim, values in chosen.items() if values}
