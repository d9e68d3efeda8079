"""The planted parameters of the sample world: every causal knob, in one place, written to truth.json."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from cxmetrics.config import JOURNEY_ORDER

DEFAULT_RESPONSES = 240_000
DEFAULT_CUSTOMERS = 6_000
MIN_CUSTOMERS = 100
CHUNK_CUSTOMERS = 20_000

COMPANY = "Northwind Services"
REGIONS = ("North America", "EMEA", "APAC", "LATAM")
REGION_SHARES = (0.40, 0.30, 0.18, 0.12)
SEGMENTS = ("Enterprise", "Mid-Market", "SMB")
SEGMENT_SHARES = (0.10, 0.30, 0.60)
INDUSTRIES = (
    "Manufacturing",
    "Healthcare",
    "Financial Services",
    "Retail",
    "Logistics",
    "Technology",
    "Energy & Utilities",
    "Education",
)
INDUSTRY_SHARES = (0.18, 0.14, 0.13, 0.14, 0.13, 0.12, 0.09, 0.07)
ACQUISITION_CHANNELS = ("referral", "direct_sales", "partner", "marketing", "web")
TOUCHPOINTS = JOURNEY_ORDER
ATTRIBUTES = (
    "product_reliability",
    "support_quality",
    "ease_of_doing_business",
    "value_for_money",
    "billing_accuracy",
    "account_management",
)
DRIVER_WEIGHTS = (0.32, 0.23, 0.17, 0.13, 0.09, 0.06)
TEAMS = ("Support", "Sales", "Billing", "Field Service", "Onboarding", "Account Management")
SURVEY_CHANNELS = ("email", "web", "in_app", "sms", "phone")
CONTACT_CHANNELS = ("phone", "chat", "email")
CONTACT_REASONS = ("billing question", "technical issue", "how-to", "account change", "outage report", "order status")
COMPLAINT_CHANNELS = ("phone", "email", "chat", "account manager", "social")
SEVERITIES = ("low", "medium", "high", "critical")
SOCIAL_PLATFORMS = ("LinkedIn", "X", "Reddit", "G2", "Trustpilot")
NPS_GROUPS = ("promoter", "passive", "detractor")


@dataclass(frozen=True)
class Experience:
    """How a customer's latent experience is built and turned into ratings and scores."""

    segment_effect: tuple[float, ...] = (0.15, 0.0, -0.07)
    region_effect: tuple[float, ...] = (0.02, 0.0, -0.03, 0.01)
    customer_sd: float = 0.40
    ar_persistence: float = 0.92
    ar_sd: float = 0.25
    trend_per_month: float = 0.003
    attribute_customer_sd: float = 0.55
    attribute_response_sd: float = 0.45
    attribute_offset: tuple[float, ...] = (0.0, -0.05, -0.10, -0.20, 0.15, 0.05)
    rating_center: float = 3.75
    rating_scale: float = 0.95
    rating_noise_sd: float = 0.40
    nps_intercept: float = 8.35
    nps_scale: float = 2.3
    nps_noise_sd: float = 0.9
    promoter_cut: float = 8.5
    detractor_cut: float = 6.5


@dataclass(frozen=True)
class Surveys:
    """Response rates, answer rates and touchpoint means of the surveys."""

    relationship_rate: float = 0.15
    relationship_csat_share: float = 0.70
    attribute_answer_share: float = 0.92
    transactional_csat_share: float = 0.90
    transactional_ces_share: float = 0.80
    transactional_nps_share: float = 0.50
    anonymous_share: float = 0.03
    comment_share_by_sentiment: tuple[float, float, float] = (0.28, 0.33, 0.50)
    # Monthly transactional surveys per customer by touchpoint (JOURNEY_ORDER), before segment multipliers.
    touchpoint_rate: tuple[float, ...] = (0.028, 0.017, 0.355, 0.42, 0.14, 0.175, 0.010)
    onboarding_new_rate: float = 0.9
    sales_new_rate: float = 0.4
    renewal_anniversary_rate: float = 0.7
    segment_volume: tuple[float, ...] = (3.5, 1.5, 0.7)
    touchpoint_offset: tuple[float, ...] = (0.20, -0.10, -0.05, -0.10, 0.00, 0.20, -0.15)
    transactional_nps_intercept: float = 8.3
    transactional_nps_scale: float = 1.5
    touchpoint_noise_sd: float = 0.55
    csat_center: float = 4.2
    csat_scale: float = 0.95
    csat_noise_sd: float = 0.60
    ces_center: float = 5.3
    ces_scale: float = 1.2
    ces_noise_sd: float = 0.9
    follow_up_share: float = 0.85


@dataclass(frozen=True)
class Loyalty:
    """Churn and spend by latent NPS group (lagged), and the complaint effect on churn."""

    lag_months: int = 2
    annual_churn: dict[str, float] = field(
        default_factory=lambda: {"promoter": 0.06, "passive": 0.12, "detractor": 0.25}
    )
    monthly_growth: dict[str, float] = field(
        default_factory=lambda: {"promoter": 0.008, "passive": 0.001, "detractor": -0.008}
    )
    complaint_churn_multiplier: dict[str, float] = field(default_factory=lambda: {"recovered": 0.8, "lost": 2.5})
    complaint_effect_months: int = 12
    # Log-sd of a customer's monthly revenue-level drift beside the planted growth; 0 keeps the planted lag readable.
    level_noise_sd: float = 0.0


@dataclass(frozen=True)
class Money:
    """Revenue, margin and cost to serve."""

    revenue_median_usd: tuple[float, ...] = (50_000.0, 9_500.0, 1_800.0)
    revenue_sd_log: tuple[float, ...] = (0.40, 0.40, 0.45)
    tenure_uplift_per_year: float = 0.02
    margin_rate: tuple[float, ...] = (0.58, 0.63, 0.68)
    account_cost_usd: tuple[float, ...] = (6_500.0, 1_600.0, 420.0)
    service_intensity_sd_log: float = 0.85
    buy_probability_mean: tuple[float, ...] = (1.0, 0.93, 0.80)
    q4_seasonality: tuple[float, ...] = (0.95, 0.97, 1.0, 1.0, 1.0, 1.0, 1.0, 0.96, 1.0, 1.06, 1.09, 1.12)
    new_customer_ramp_months: int = 6
    # Log-sd of month-to-month noise on a customer's revenue (0: revenue follows level, season, ramp and purchase).
    revenue_noise_sd: float = 0.0
    price_increase: float = 0.03
    overhead_rate: float = 0.14
    contact_cost_per_minute_usd: tuple[float, ...] = (1.6, 0.9, 0.7)
    complaint_cost_usd: tuple[float, ...] = (120.0, 350.0, 900.0, 2_500.0)


@dataclass(frozen=True)
class Operations:
    """Complaints, contacts and follow-ups."""

    complaint_rate: tuple[float, ...] = (0.06, 0.03, 0.018)
    complaint_experience_slope: float = 1.1
    complaint_process_share: dict[str, float] = field(
        default_factory=lambda: {
            "billing": 0.24,
            "support": 0.24,
            "product": 0.26,
            "field_service": 0.12,
            "sales": 0.06,
            "onboarding": 0.08,
        }
    )
    recovered_share: float = 0.76
    contact_rate: tuple[float, ...] = (2.2, 0.9, 0.45)
    contact_experience_slope: float = 0.5
    unknown_contact_share: float = 0.02
    follow_up_median_business_days: float = 1.3
    follow_up_sd_log: float = 0.85


@dataclass(frozen=True)
class Engagement:
    """Employee engagement by region and its planted link to customer experience."""

    base_index: float = 71.0
    region_offset: tuple[float, ...] = (2.0, 0.0, -2.5, 1.0)
    walk_sd: float = 1.1
    walk_persistence: float = 0.9
    latent_per_point: float = 0.022
    reference_index: float = 71.0
    emea_dip: dict[str, float] = field(
        default_factory=lambda: {
            "2025-12": -1.0,
            "2026-01": -2.0,
            "2026-02": -3.5,
            "2026-03": -4.5,
            "2026-04": -4.0,
            "2026-05": -2.5,
            "2026-06": -2.0,
            "2026-07": -1.0,
        }
    )
    enps_per_point: float = 2.8
    enps_at_70: float = 12.0


@dataclass(frozen=True)
class Acquisition:
    """How customers are won: growth, seasonality, and referrals following the promoter share."""

    pre_window_share: float = 0.6
    monthly_growth: float = 0.015
    seasonality: tuple[float, ...] = (1.1, 1.05, 1.1, 1.0, 1.0, 0.95, 0.9, 0.75, 1.0, 1.05, 1.0, 0.8)
    referral_base: float = 0.16
    referral_per_promoter_point: float = 1.2
    referral_reference_share: float = 0.45
    channel_mix: tuple[tuple[float, ...], ...] = (
        (0.0, 0.60, 0.30, 0.08, 0.02),
        (0.0, 0.35, 0.30, 0.20, 0.15),
        (0.0, 0.05, 0.15, 0.35, 0.45),
    )


@dataclass(frozen=True)
class Event:
    """A planted operational event: where, what it touches, and its intensity profile."""

    event_id: str
    title: str
    start: str
    end: str
    region: str | None
    touchpoint: str | None
    attribute: str | None
    direction: str
    description: str
    knots: tuple[tuple[int, float], ...]
    effects: dict[str, float]


MIGRATION = Event(
    "E002",
    "EMEA billing system go-live",
    "2026-03-02",
    "2026-05-17",
    "EMEA",
    "billing",
    "billing_accuracy",
    "down",
    "The new billing platform went live for all EMEA accounts. Invoice errors, duplicate charges and portal "
    "outages followed for about ten weeks until the fixes of mid-May.",
    ((0, 0.55), (7, 1.0), (41, 1.0), (55, 0.55), (69, 0.15), (76, 0.0)),
    {
        "billing_accuracy_latent": -1.4,
        "ease_of_doing_business_latent": -0.25,
        "support_quality_latent": -0.10,
        "experience_halo_latent": -0.05,
        "billing_complaints_extra_multiple": 2.0,
        "billing_contacts_extra_multiple": 2.0,
        "billing_surveys_extra_multiple": 0.8,
        "follow_up_delay_multiple": 1.6,
        "social_negative_extra_per_week": 12.0,
    },
)
FIELD_PARTNER = Event(
    "E004",
    "APAC field-service partner change",
    "2026-10-19",
    "2026-11-15",
    "APAC",
    "field_service",
    None,
    "down",
    "Field visits in APAC moved to a new service partner. Missed appointments and first-visit failures rose "
    "while the partner's technicians ramp up.",
    ((0, 0.6), (7, 1.0), (400, 1.0)),
    {
        "field_service_touchpoint_latent": -1.0,
        "field_service_complaints_extra_multiple": 1.5,
        "social_negative_extra_per_week": 3.0,
    },
)
PRICE_INCREASE = Event(
    "E001",
    "Price increase (+3%)",
    "2025-01-01",
    "2026-11-15",
    None,
    None,
    "value_for_money",
    "down",
    "List prices rose 3% for all customers at the start of 2025.",
    ((0, 1.0), (90, 0.7), (181, 0.45), (400, 0.45)),
    {"value_for_money_latent": -0.35, "revenue_multiple": 1.03},
)
MIGRATION_FIXED = (
    "E003",
    "2026-05-18",
    "EMEA billing fixes complete",
    "EMEA",
    "Invoice corrections and portal fixes for the new billing platform completed; billing back to normal.",
)
EVENTS = (PRICE_INCREASE, MIGRATION, FIELD_PARTNER)


@dataclass(frozen=True)
class World:
    """Every planted parameter of the sample world."""

    experience: Experience = field(default_factory=Experience)
    surveys: Surveys = field(default_factory=Surveys)
    loyalty: Loyalty = field(default_factory=Loyalty)
    money: Money = field(default_factory=Money)
    operations: Operations = field(default_factory=Operations)
    engagement: Engagement = field(default_factory=Engagement)
    acquisition: Acquisition = field(default_factory=Acquisition)


def planted(world: World) -> dict:
    """The planted parameters as plain JSON-ready data."""
    return asdict(world)


def customer_count(responses: int) -> int:
    """Customers of a world sized for about `responses` survey responses."""
    return max(MIN_CUSTOMERS, round(DEFAULT_CUSTOMERS * responses / DEFAULT_RESPONSES))
