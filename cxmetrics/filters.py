"""The global filters and the access scope: one frozen object every query receives."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

# Dimensions a user may filter or group by. Values are always bound parameters; only these names reach SQL. A
# complaint's process and category split the complaint metrics only.
DIMENSIONS: tuple[str, ...] = (
    "region", "segment", "industry", "touchpoint", "channel", "survey", "nps_group", "process", "category",
)  # fmt: skip


# The dimensions an access scope can restrict: a leader's regions, segments or touchpoints.
SCOPE_DIMENSIONS: tuple[str, ...] = ("region", "segment", "touchpoint")


@dataclass(frozen=True)
class AccessScope:
    """The regions, segments and touchpoints a viewer may see; `None` in a dimension means every value (executives,
    local use). A row is visible only when it is inside every restricted dimension; a table that cannot be cut by a
    restricted dimension shows nothing (deny by default)."""

    regions: tuple[str, ...] | None = None
    segments: tuple[str, ...] | None = None
    touchpoints: tuple[str, ...] | None = None

    @property
    def unrestricted(self) -> bool:
        """Whether the scope allows every row."""
        return not self.restrictions()

    def restrictions(self) -> dict[str, tuple[str, ...]]:
        """The restricted dimensions and their allowed values, keyed by dimension name."""
        chosen = {"region": self.regions, "segment": self.segments, "touchpoint": self.touchpoints}
        return {dim: values for dim, values in chosen.items() if values is not None}

    def describe(self) -> str:
        """The scope in words: 'everything' or 'region EMEA; segment Enterprise'."""
        found = self.restrictions()
        if not found:
            return "everything"
        return "; ".join(f"{dim} {', '.join(values) or '(none)'}" for dim, values in found.items())


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

    def limited(self) -> dict[str, tuple[str, ...]]:
        """The values left visible in each dimension that the selections or the access scope limit."""
        restricted = self.scope.restrictions()
        dims = [dim for dim in (*self.selections(), *SCOPE_DIMENSIONS) if dim in self.selections() or dim in restricted]
        return {dim: self.visible(dim) or () for dim in dict.fromkeys(dims)}

    def describe(self) -> str:
        """The filters and the access scope in words: 'all regions, segments and touchpoints' or 'region EMEA;
        touchpoint billing'."""
        chosen = self.limited()
        if not chosen:
            return "all regions, segments and touchpoints"
        return "; ".join(f"{dim} {', '.join(values) or '(none)'}" for dim, values in chosen.items())

    def visible(self, dimension: str) -> tuple[str, ...] | None:
        """The values of `dimension` that the filters and the access scope leave visible, in the order chosen; None
        for all."""
        selected = self.selections().get(dimension)
        allowed = self.scope.restrictions().get(dimension)
        if allowed is None:
            return selected or None
        return tuple(v for v in selected if v in allowed) if selected else allowed

    def visible_regions(self) -> tuple[str, ...] | None:
        """The regions the filters and the access scope leave visible; None for all."""
        return self.visible("region")
