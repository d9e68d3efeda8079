"""The global filters and the access scope: one frozen object every query receives."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

# Dimensions a user may filter or group by. Values are always bound parameters; only these names reach SQL. A
# complaint's process and category split the complaint metrics only.
DIMENSIONS: tuple[str, ...] = (
    "region", "segment", "industry", "touchpoint", "channel", "survey", "nps_group", "process", "category",
)  # fmt: skip


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

    def describe(self) -> str:
        """The filters in words: 'all regions, segments and touchpoints' or 'region EMEA; touchpoint billing'."""
        chosen = self.selections()
        if not chosen:
            return "all regions, segments and touchpoints"
        return "; ".join(f"{dim} {', '.join(values)}" for dim, values in chosen.items())

    def visible_regions(self) -> tuple[str, ...] | None:
        """The regions the filters and the access scope leave visible; None for all."""
        regions = set(self.regions) if self.regions else None
        if not self.scope.unrestricted:
            allowed = set(self.scope.regions or ())
            regions = allowed if regions is None else regions & allowed
        return None if regions is None else tuple(sorted(regions))
