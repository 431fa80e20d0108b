"""helpers.present.report.blocks: the sentence on how a trend word was reached."""

from __future__ import annotations


def test_trend_explanation_is_a_sentence_naming_the_test_points_and_p_value():
    from types import SimpleNamespace

    from helpers.present.report.blocks import trend_explanation
    from helpers.stats.trends import TrendResult

    trend = TrendResult("Stable", "regression_ar1", 1.7, 0.1107, 0.45, 12, "fitted change +45%")
    text = trend_explanation(SimpleNamespace(trend=trend))
    assert text == (
        "Test: regression allowing for quarter-to-quarter variation that persists, 12 points, "
        "p = 0.11. Fitted change +45%."
    )
