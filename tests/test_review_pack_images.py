"""The review pack's pages as images, for a person to look at: the committed sample world's pack and an EMEA leader's,
printed to PDF and drawn page by page with pdftoppm into screenshots/ (git-ignored)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from cxmetrics.filters import AccessScope, Filters
from cxmetrics.review import pack as review_pack

pytestmark = pytest.mark.slow
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
DPI = 80


@pytest.mark.parametrize(("name", "scope"), [("company", AccessScope()), ("emea", AccessScope(regions=("EMEA",)))])
def test_the_packs_pages_as_images(committed, name: str, scope: AccessScope):
    assert shutil.which("pdftoppm"), "pdftoppm (Debian's poppler-utils) draws the pages; scripts/test.sh installs it"
    pack = review_pack.build(committed, Filters(scope=scope))
    folder = SCREENSHOTS / f"pack-{name}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    pdf = folder / f"{pack.file_name}.pdf"
    pdf.write_bytes(review_pack.render_pack(pack, "pdf"))
    subprocess.run(["pdftoppm", "-r", str(DPI), "-png", str(pdf), str(folder / "page")], check=True)
    images = sorted(folder.glob("page-*.png"))
    assert len(images) >= len(pack.sections)
    assert all(image.stat().st_size > 10_000 for image in images)  # drawn pages, not blanks
