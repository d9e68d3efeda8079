"""The action register: decisions of the review, their owners, and whether the metric they target moved."""
