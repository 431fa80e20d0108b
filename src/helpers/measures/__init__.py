"""Measures: the measure catalogue computed from checked inputs with the statistics, one
`MeasureResult` per measure and the measures table (measures.csv). Imports `core`, `stats` and
`inputs`."""
