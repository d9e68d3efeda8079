"""The CX & Financials report: what customer experience is worth in money."""
