"""The Complaints & Follow-up report: complaints as broken processes and the closed loop."""
