"""Fictional names for the sample world: customer companies and the people who own follow-ups."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

_STARTS = (
    "Alder", "Ash", "Bay", "Birch", "Black", "Blue", "Bright", "Cedar", "Clear", "Copper",
    "Crest", "East", "Elm", "Fair", "Fern", "Fox", "Glen", "Gold", "Green", "Grey",
    "Hazel", "High", "Iron", "Lake", "Lark", "Maple", "Mill", "North", "Oak", "Pine",
    "Red", "River", "Rock", "Silver", "South", "Stone", "Sun", "West", "White", "Wild",
)  # fmt: skip
_ENDS = (
    "bridge", "brook", "field", "ford", "gate", "haven", "hill", "hurst", "land", "mere",
    "mont", "point", "ridge", "stead", "vale", "view", "wood", "worth", "crest", "water",
)  # fmt: skip
_NOUNS = {
    "Manufacturing": (
        "Manufacturing", "Industries", "Components", "Fabrication", "Precision", "Tooling",
        "Engineering", "Works", "Plastics", "Metals", "Machining", "Assemblies",
    ),
    "Healthcare": (
        "Health", "Medical", "Clinics", "Care Partners", "Diagnostics", "Health Systems",
        "Pharmacy Group", "Life Sciences", "Dental Group", "Therapeutics", "Home Care", "Imaging",
    ),
    "Financial Services": (
        "Capital", "Financial", "Bancorp", "Insurance", "Credit Union", "Wealth Partners",
        "Asset Management", "Lending", "Payments", "Mutual", "Advisors", "Trust",
    ),
    "Retail": (
        "Retail", "Outfitters", "Markets", "Home Goods", "Grocers", "Apparel",
        "Stores", "Trading", "Supply", "Emporium", "Pet Supplies", "Furnishings",
    ),
    "Logistics": (
        "Logistics", "Freight", "Transport", "Shipping", "Distribution", "Haulage",
        "Cargo", "Fleet Services", "Warehousing", "Couriers", "Forwarding", "Rail",
    ),
    "Technology": (
        "Software", "Systems", "Labs", "Digital", "Networks", "Data",
        "Analytics", "Cloud", "Technologies", "Interactive", "Robotics", "Security",
    ),
    "Energy & Utilities": (
        "Energy", "Power", "Utilities", "Renewables", "Solar", "Water",
        "Grid Services", "Gas", "Fuels", "Wind", "Hydro", "Heating",
    ),
    "Education": (
        "Academy", "Learning", "College", "Schools Trust", "Education Group", "Institute",
        "Training", "Tutoring", "Campus Services", "Language School", "Skills Centre", "Prep",
    ),
}  # fmt: skip
_LEGAL = {
    "North America": ("Inc.", "LLC", "Corp.", "Co."),
    "EMEA": ("Ltd", "GmbH", "S.A.", "B.V.", "AG", "plc"),
    "APAC": ("Pty Ltd", "Pte Ltd", "K.K.", "Ltd", "Limited"),
    "LATAM": ("S.A.", "Ltda.", "S.A. de C.V.", "S.R.L."),
}
_MODIFIERS = ("", " Group", " Holdings", " International", " Partners", " Global", " & Sons", " Brothers")

OWNERS = {
    "North America": (
        ("Megan Carter", "Jamal Robinson", "Lauren Kim", "Derek Olsen"),
        ("Priya Natarajan", "Tom Becker", "Alicia Moreno"),
    ),
    "EMEA": (
        ("Sophie Laurent", "Henrik Nilsson", "Amara Okafor", "Luca Bianchi"),
        ("Katrin Vogel", "James Whitaker", "Ines Duarte"),
    ),
    "APAC": (
        ("Kenji Watanabe", "Mei Lin Tan", "Arjun Mehta", "Chloe Nguyen"),
        ("Hannah Park", "Ravi Iyer", "Olivia Chen"),
    ),
    "LATAM": (
        ("Camila Rojas", "Diego Fernández", "Beatriz Souza", "Mateo Gómez"),
        ("Valentina Cruz", "Rafael Lima", "Lucía Herrera"),
    ),
}


def company_names(rng: np.random.Generator, industry: np.ndarray, region: np.ndarray, industries, regions) -> list:
    """A realistic, mostly unique company name per customer, consistent with its industry and region."""
    prefixes = [s + e for s in _STARTS for e in _ENDS if not e.startswith(s[-1].lower()) and e != s.lower()]
    names = np.empty(len(industry), dtype=object)
    for i, name in enumerate(industries):
        rows = np.flatnonzero(industry == i)
        nouns = _NOUNS[name]
        space = len(prefixes) * len(nouns)
        order = rng.permutation(space)
        for k, row in enumerate(rows):
            combo = int(order[k % space])
            modifier = _MODIFIERS[(k // space) % len(_MODIFIERS)]
            legal_options = _LEGAL[regions[region[row]]]
            legal = legal_options[(combo + k) % len(legal_options)]
            names[row] = f"{prefixes[combo // len(nouns)]} {nouns[combo % len(nouns)]}{modifier} {legal}"
    return names.tolist()


def owner_names(region: np.ndarray, account_managed: np.ndarray, pick: np.ndarray, regions) -> pa.Array:
    """Owners: the region's account managers for managed accounts, its CX team otherwise; `pick` chooses the
    person within the team (a random number for a follow-up, the customer's number for the account's owner)."""
    flat = []
    offsets = np.zeros((len(regions), 2), dtype=np.int64)
    sizes = np.zeros((len(regions), 2), dtype=np.int64)
    for r, name in enumerate(regions):
        for team in (0, 1):
            offsets[r, team] = len(flat)
            sizes[r, team] = len(OWNERS[name][team])
            flat.extend(OWNERS[name][team])
    team = np.where(account_managed, 0, 1)
    index = offsets[region, team] + (pick % sizes[region, team])
    return pa.array(flat, pa.string()).take(pa.array(index))
