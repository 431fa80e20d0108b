"""Synthetic local extracts, month by month: victim satisfaction, the confidence survey, drugs
disruptions, cyber crime, Action Fraud referrals, complaint reviews and information rights.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from helpers.inputs.sample_data.synthetic import (
    FOCUS_FORCE,
    LAST_MONTH,
    LOCAL_FIRST,
    SyntheticForce,
    binomial_counts,
    force_lookup,
    month_range,
    periods_frame,
    poisson_counts,
    stream_rng,
    year_fraction,
)
from helpers.inputs.schemas import REQUEST_TYPES, SATISFACTION_SURVEYS


def _local_months() -> list[pd.Period]:
    return month_range(LOCAL_FIRST.period - 2, LAST_MONTH)


def _monthly_curve(
    rng: np.random.Generator, years: np.ndarray, slope_sd: float, *, slope: float | None = None
) -> np.ndarray:
    drift = rng.normal(0, slope_sd) if slope is None else slope
    return drift * (years - years.mean()) + rng.normal(0, 0.02) * np.sin(2 * np.pi * years / 4)


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def _expit(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _proportion_series(
    rng: np.random.Generator,
    years: np.ndarray,
    mean: float,
    *,
    spread: float,
    slope_sd: float,
    slope: float | None = None,
) -> np.ndarray:
    """A proportion drifting on the logit scale."""
    centre = _logit(mean) + rng.normal(0, spread)
    return _expit(centre + _monthly_curve(rng, years, slope_sd, slope=slope))


def _victim_satisfaction_frame(seed: int, forces: list[SyntheticForce]) -> pd.DataFrame:
    rng = stream_rng(seed, "victim_satisfaction")
    months = _local_months()
    years = np.array([year_fraction(m) for m in months])
    frame = periods_frame(months, forces, survey=SATISFACTION_SURVEYS)
    sizes = {"overall": 150, "burglary": 30, "hate_crime": 12, "violent_crime": 40, "asb": 45}
    means = {
        "overall": 0.72,
        "burglary": 0.78,
        "hate_crime": 0.66,
        "violent_crime": 0.68,
        "asb": 0.60,
    }
    focus_slopes = {
        "overall": -0.12,
        "burglary": 0.0,
        "hate_crime": 0.15,
        "violent_crime": 0.0,
        "asb": 0.0,
    }
    respondents = np.zeros(len(frame), dtype=np.int64)
    satisfied = np.zeros(len(frame), dtype=np.int64)
    for (name, survey), rows in frame.groupby(["force", "survey"], sort=False).groups.items():
        force = force_lookup(forces)[name]
        idx = np.asarray(rows)
        ti = frame.loc[idx, "t"].to_numpy()
        size = sizes[survey] * max(force.scale, 0.1)
        respondents[idx] = poisson_counts(rng, np.full(len(idx), size))
        slope = focus_slopes[survey] if name == FOCUS_FORCE else None
        p = _proportion_series(rng, years, means[survey], spread=0.15, slope_sd=0.06, slope=slope)
        satisfied[idx] = binomial_counts(rng, respondents[idx], p[ti])
    frame["respondents"] = respondents
    frame["satisfied"] = satisfied
    return frame


def _confidence_survey_frame(seed: int, forces: list[SyntheticForce]) -> pd.DataFrame:
    rng = stream_rng(seed, "confidence_survey")
    months = _local_months()
    years = np.array([year_fraction(m) for m in months])
    frame = periods_frame(months, forces)
    respondents = np.zeros(len(frame), dtype=np.int64)
    agree = np.zeros(len(frame), dtype=np.int64)
    for name, rows in frame.groupby("force", sort=False).groups.items():
        idx = np.asarray(rows)
        ti = frame.loc[idx, "t"].to_numpy()
        respondents[idx] = poisson_counts(rng, np.full(len(idx), 250.0))
        slope = -0.10 if name == FOCUS_FORCE else None  # confidence falling in the default force
        p = _proportion_series(rng, years, 0.70, spread=0.12, slope_sd=0.05, slope=slope)
        agree[idx] = binomial_counts(rng, respondents[idx], p[ti])
    frame["respondents"] = respondents
    frame["agree"] = agree
    return frame


def _count_series(
    rng: np.random.Generator,
    years: np.ndarray,
    level: float,
    *,
    slope_sd: float = 0.08,
    slope: float | None = None,
) -> np.ndarray:
    return level * np.exp(rng.normal(0, 0.2) + _monthly_curve(rng, years, slope_sd, slope=slope))


def _drugs_disruptions_frame(seed: int, forces: list[SyntheticForce]) -> pd.DataFrame:
    rng = stream_rng(seed, "drugs_disruptions")
    months = _local_months()
    years = np.array([year_fraction(m) for m in months])
    frame = periods_frame(months, forces)
    disruptions = np.zeros(len(frame), dtype=np.int64)
    lines = np.zeros(len(frame), dtype=np.int64)
    for name, rows in frame.groupby("force", sort=False).groups.items():
        force = force_lookup(forces)[name]
        idx = np.asarray(rows)
        ti = frame.loc[idx, "t"].to_numpy()
        focus = name == FOCUS_FORCE
        level = _count_series(rng, years, 50 * force.scale, slope=0.10 if focus else None)
        disruptions[idx] = poisson_counts(rng, level[ti])
        share = rng.uniform(0.08, 0.16)
        lines[idx] = binomial_counts(rng, disruptions[idx], np.full(len(idx), share))
    frame["disruptions"] = disruptions
    frame["county_lines_disrupted"] = lines
    return frame


def _cyber_crime_frame(seed: int, forces: list[SyntheticForce]) -> pd.DataFrame:
    rng = stream_rng(seed, "cyber_crime")
    months = _local_months()
    years = np.array([year_fraction(m) for m in months])
    frame = periods_frame(months, forces)
    columns = {c: np.zeros(len(frame), dtype=np.int64) for c in
               ("disseminated", "investigated", "victims", "victims_advised")}  # fmt: skip
    ceiling_from = months.index(pd.Period("2021-04", freq="M"))
    for name, rows in frame.groupby("force", sort=False).groups.items():
        force = force_lookup(forces)[name]
        idx = np.asarray(rows)
        ti = frame.loc[idx, "t"].to_numpy()
        scale = max(force.scale, 0.1)
        columns["disseminated"][idx] = poisson_counts(
            rng, _count_series(rng, years, 35 * scale)[ti]
        )
        p = _proportion_series(rng, years, 0.85, spread=0.3, slope_sd=0.1)
        columns["investigated"][idx] = binomial_counts(rng, columns["disseminated"][idx], p[ti])
        columns["victims"][idx] = poisson_counts(rng, _count_series(rng, years, 30 * scale)[ti])
        p = _proportion_series(rng, years, 0.92, spread=0.4, slope_sd=0.1)
        advised = binomial_counts(rng, columns["victims"][idx], p[ti])
        if name == FOCUS_FORCE:  # every victim contacted since April 2021: a series at 100%
            advised = np.where(ti >= ceiling_from, columns["victims"][idx], advised)
        columns["victims_advised"][idx] = advised
    for column, values in columns.items():
        frame[column] = values
    return frame


def _action_fraud_local_frame(seed: int, forces: list[SyntheticForce]) -> pd.DataFrame:
    rng = stream_rng(seed, "action_fraud")
    months = _local_months()
    years = np.array([year_fraction(m) for m in months])
    frame = periods_frame(months, forces)
    values = np.zeros(len(frame), dtype=np.int64)
    for name, rows in frame.groupby("force", sort=False).groups.items():
        force = force_lookup(forces)[name]
        idx = np.asarray(rows)
        ti = frame.loc[idx, "t"].to_numpy()
        level = _count_series(rng, years, 260 * max(force.scale, 0.2), slope=rng.normal(0.06, 0.04))
        values[idx] = poisson_counts(rng, level[ti], overdispersion=0.05)
    frame["referrals_disseminated"] = values
    return frame


def _complaint_reviews_frame(seed: int, forces: list[SyntheticForce]) -> pd.DataFrame:
    rng = stream_rng(seed, "complaint_reviews")
    months = _local_months()
    years = np.array([year_fraction(m) for m in months])
    frame = periods_frame(months, forces)
    reviews = np.zeros(len(frame), dtype=np.int64)
    upheld = np.zeros(len(frame), dtype=np.int64)
    for name, rows in frame.groupby("force", sort=False).groups.items():
        force = force_lookup(forces)[name]
        idx = np.asarray(rows)
        ti = frame.loc[idx, "t"].to_numpy()
        if name == FOCUS_FORCE:  # 5 to 20 reviews a month
            expected = np.full(len(years), 12.0)
        else:
            expected = _count_series(rng, years, 12 * max(force.scale, 0.1), slope_sd=0.05)
        reviews[idx] = poisson_counts(rng, expected[ti])
        p = _proportion_series(rng, years, 0.2, spread=0.3, slope_sd=0.1)
        upheld[idx] = binomial_counts(rng, reviews[idx], p[ti])
    frame["reviews_completed"] = reviews
    frame["upheld"] = upheld
    return frame


def _information_rights_frame(seed: int, forces: list[SyntheticForce]) -> pd.DataFrame:
    rng = stream_rng(seed, "information_rights")
    months = _local_months()
    years = np.array([year_fraction(m) for m in months])
    frame = periods_frame(months, forces, request_type=REQUEST_TYPES)
    due = np.zeros(len(frame), dtype=np.int64)
    on_time = np.zeros(len(frame), dtype=np.int64)
    sizes = {"FOI": 110.0, "SAR": 60.0}
    means = {"FOI": 0.82, "SAR": 0.72}
    for (name, kind), rows in frame.groupby(["force", "request_type"], sort=False).groups.items():
        force = force_lookup(forces)[name]
        idx = np.asarray(rows)
        ti = frame.loc[idx, "t"].to_numpy()
        level = sizes[kind] * max(force.scale, 0.03) ** 0.7
        due[idx] = poisson_counts(rng, _count_series(rng, years, level, slope_sd=0.05)[ti])
        slope = 0.25 if (name == FOCUS_FORCE and kind == "FOI") else None
        p = _proportion_series(rng, years, means[kind], spread=0.4, slope_sd=0.1, slope=slope)
        answered = binomial_counts(rng, due[idx], p[ti])
        if name == "London, City of" and kind == "SAR":  # a small force answering every SAR on time
            answered = due[idx]
        on_time[idx] = answered
    frame["requests_due"] = due
    frame["answered_on_time"] = on_time
    return frame


LOCAL_BUILDERS: dict[str, Callable[[int, list[SyntheticForce]], pd.DataFrame]] = {
    "victim_satisfaction": _victim_satisfaction_frame,
    "confidence_survey": _confidence_survey_frame,
    "drugs_disruptions": _drugs_disruptions_frame,
    "cyber_crime": _cyber_crime_frame,
    "action_fraud": _action_fraud_local_frame,
    "complaint_reviews": _complaint_reviews_frame,
    "information_rights": _information_rights_frame,
}
