"""One folder per report (dashboard page): its frozen view, its analysis and its figures."""
