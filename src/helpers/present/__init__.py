"""Presentation: every word, number format, table, chart, page and the PDF a reader sees, from the
measure results. Imports the layers below; never the pipeline."""
