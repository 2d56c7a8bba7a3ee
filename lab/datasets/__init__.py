"""Datasets at the lab level: writing with a retention clock, listing, holds, destruction."""
