"""Every word a reader sees about a measure, in one place: the benchmark column
(`benchmark_words`), and the sentences, trend notes and chart text alternatives written from the
data (`sentences`). The statistics below say what was found; these modules only word it.
"""
