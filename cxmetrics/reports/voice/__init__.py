"""The Voice of the Customer report: themes, sentiment, listening posts and verbatims."""
