"""The Loyalty & Retention report: retention, cohorts, loyalty by experience, the at-risk list."""
