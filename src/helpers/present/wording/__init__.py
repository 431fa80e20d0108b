"""Every word a reader sees about a measure, in one place: the benchmark column
(`benchmark_words`), the sentences, trend notes and chart text alternatives written from the
data (`sentences`), and a funnel plot's verdict, limits and text alternative (`funnel_words`).
The statistics below say what was found; these modules only word it.
"""
