"""A deterministic generator of SYNTHETIC sample inputs, in the layout and formats of docs/DATA.md.

The numbers are invented. Their magnitudes follow published figures (the Home Office offence codes
and their England-and-Wales mean counts in `reference/offence_classification.csv`, ONS populations
rounded to thousands, Census 2021 ethnic shares), so that every section of the report has
something realistic to show, for every force, but no figure in the output is a real statistic.

Each series is: a rate per resident (the England and Wales mean count over the E&W population),
times the force's population, a force level factor, seasonality, a smooth long-term trend that
differs by force and offence family, a COVID-19 dip in 2020/21, and Poisson noise. For Avon and
Somerset the last four years of the headline measures are designed: some rise, some fall, some
stay flat, so that the report shows every trend word; one percentage sits at 100%.

`python -m helpers sample-data --out DIR` writes the files; the same seed gives the same bytes.

The package: `synthetic` (the forces, time spans and random streams), `crime` (police recorded
crime), `national` (the other national sources), `local` (the local extracts), `folder` (writing
the folder, the command line) and `minimal` (a small folder for tests).
"""

from __future__ import annotations

from helpers.inputs.sample_data.folder import (
    build_sample_frames,
    generate_sample_data,
    main,
    write_sample,
    write_templates,
)
from helpers.inputs.sample_data.minimal import minimal_sample_frames, write_minimal_sample
from helpers.inputs.sample_data.synthetic import DEFAULT_OUT, DEFAULT_SEED

__all__ = [
    "DEFAULT_OUT",
    "DEFAULT_SEED",
    "build_sample_frames",
    "generate_sample_data",
    "main",
    "minimal_sample_frames",
    "write_minimal_sample",
    "write_sample",
    "write_templates",
]
