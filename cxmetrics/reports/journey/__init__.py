"""The Journey & Drivers report: the journey map, key drivers and service effectiveness."""
