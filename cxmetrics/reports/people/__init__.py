"""The People & CX report: employee engagement next to the same units' customer NPS."""
