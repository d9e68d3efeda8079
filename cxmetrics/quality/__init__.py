"""Data-quality watch: whether the data behind the dashboard is fresh and sound.

Per table, the last day its data covers against its cadence (`freshness`); per review week against the weeks before
it, response volumes by region, touchpoint and channel, unanswered scores, duplicate-looking submissions and answer
distributions that shift abruptly (`weekly`); per load, the share of rows rejected (`loads`). `report.build()` runs
them under the viewer's filters and access scope and returns the findings, each with the one line a leader reads
(`findings`). Thresholds are settings (`cxmetrics.config`, read in `thresholds`).
"""
