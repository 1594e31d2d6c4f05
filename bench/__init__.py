"""Measurement: `guide eval` and the benchmarks (each prints its figures beside a baseline)."""
