"""Inputs: the data contracts, their validation, readers of the published formats, the processed
cache, the checks made before a build, and the synthetic sample data. Imports `core` and `stats`."""
