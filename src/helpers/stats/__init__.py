"""Statistics: pure functions on tables. Rolling 12-month sums, rates and denominators, confidence
intervals, the comparison with a group, trend tests and funnel-plot limits. No files, no wording.
Imports only `helpers.core`."""
