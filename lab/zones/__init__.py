"""Zones at run time: declarative rules from `zones/*.yaml`, validated and versioned."""
