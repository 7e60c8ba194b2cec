"""Benchmarks of the pipeline on the real local stack (`make bench`)."""
