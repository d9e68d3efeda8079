"""Company-wide and regional series every chunk of customers shares: events, engagement, latent shifts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cxmetrics.sample import calendar as cal
from cxmetrics.sample import params as sp

EMEA = sp.REGIONS.index("EMEA")
APAC = sp.REGIONS.index("APAC")
ATTR = {name: i for i, name in enumerate(sp.ATTRIBUTES)}
TP = {name: i for i, name in enumerate(sp.TOUCHPOINTS)}
# The attribute each touchpoint mostly reflects (a customer's attribute effect carries over to it).
TOUCHPOINT_ATTRIBUTE = np.array(
    [ATTR[a] for a in ("account_management", "ease_of_doing_business", "product_reliability", "support_quality")]
    + [ATTR[a] for a in ("support_quality", "billing_accuracy", "value_for_money")]
)


@dataclass(frozen=True)
class Context:
    """Per-day event intensities and per-region-month engagement, computed once for the whole world."""

    world: sp.World
    migration: np.ndarray
    field_partner: np.ndarray
    price: np.ndarray
    migration_month: np.ndarray
    price_month: np.ndarray
    engagement: np.ndarray
    engagement_latent: np.ndarray

    def attribute_shift(self, region: np.ndarray, migration: np.ndarray, price: np.ndarray) -> np.ndarray:
        """Shift of each attribute's latent quality from events, rows x attributes."""
        effects = sp.MIGRATION.effects
        emea = np.where(region == EMEA, migration, 0.0)
        shift = np.zeros((len(region), len(sp.ATTRIBUTES)))
        shift[:, ATTR["billing_accuracy"]] = effects["billing_accuracy_latent"] * emea
        shift[:, ATTR["ease_of_doing_business"]] = effects["ease_of_doing_business_latent"] * emea
        shift[:, ATTR["support_quality"]] = effects["support_quality_latent"] * emea
        shift[:, ATTR["value_for_money"]] = sp.PRICE_INCREASE.effects["value_for_money_latent"] * price
        return shift

    def halo(self, region: np.ndarray, migration: np.ndarray) -> np.ndarray:
        """General dent in experience from the migration (EMEA only)."""
        return sp.MIGRATION.effects["experience_halo_latent"] * np.where(region == EMEA, migration, 0.0)

    def field_shift(self, region: np.ndarray, days: np.ndarray) -> np.ndarray:
        """Shift of field-service touchpoint quality from the APAC partner change."""
        effect = sp.FIELD_PARTNER.effects["field_service_touchpoint_latent"]
        return effect * np.where(region == APAC, self.field_partner[days], 0.0)


def engagement_series(rng: np.random.Generator, eng: sp.Engagement) -> np.ndarray:
    """Engagement index by region x simulated month: mean-reverting walk, regional offsets, the EMEA dip."""
    walk = np.zeros((len(sp.REGIONS), cal.CLOSED_MONTHS))
    shocks = rng.normal(0, eng.walk_sd, walk.shape)
    for m in range(cal.CLOSED_MONTHS):
        previous = walk[:, m - 1] if m else rng.normal(0, eng.walk_sd * 2, len(sp.REGIONS))
        walk[:, m] = eng.walk_persistence * previous + shocks[:, m]
    series = eng.base_index + np.asarray(eng.region_offset)[:, None] + walk
    labels = np.datetime_as_string(cal.MONTH_DATES, unit="M")
    for month, dip in eng.emea_dip.items():
        series[EMEA, labels == month] += dip
    return np.concatenate([series, series[:, -1:]], axis=1)


def build(rng: np.random.Generator, world: sp.World) -> Context:
    """The shared series of a world."""
    migration = cal.profile(sp.MIGRATION.knots, sp.MIGRATION.start)
    price = cal.profile(sp.PRICE_INCREASE.knots, sp.PRICE_INCREASE.start)
    engagement = engagement_series(rng, world.engagement)
    eng = world.engagement
    return Context(
        world=world,
        migration=migration,
        field_partner=cal.profile(sp.FIELD_PARTNER.knots, sp.FIELD_PARTNER.start),
        price=price,
        migration_month=cal.monthly_mean(migration),
        price_month=cal.monthly_mean(price),
        engagement=engagement,
        engagement_latent=eng.latent_per_point * (engagement - eng.reference_index),
    )
