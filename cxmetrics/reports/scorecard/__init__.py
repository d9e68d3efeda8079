"""The Scorecard report: headline tiles, the CX P&L statement, what changed, the trend chart."""
