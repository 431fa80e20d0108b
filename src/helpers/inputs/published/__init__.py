"""Files as their publishers publish them, converted to the data-folder layout of docs/DATA.md.

One reader per publication:

* `read_prc` - Home Office police recorded crime open data by PFA: the ODS or XLSX with one sheet
  per financial year (`2017-18`), or a CSV of the same columns. Values are kept as the published
  text (` 1755 `, `-00`, `1,204`): `helpers.inputs.validation` reads them into numbers, so the data
  folder's CSV is checked by the same code whichever format it came from.
* `read_ons_population` - ONS mid-year population and households by PFA: the tidy long form
  (`area_code, area_name, mid_year, population, households`), or tables P9 (population only) and
  P10 (households only), combined; rounded floats (`2636600.0`) become whole numbers.
* `read_census_ethnicity` - Census 2021 ethnic group by PFA (already the project's form).
* `read_use_of_force` - Home Office use-of-force tables (the ODS as published, or the tidy CSV
  extract of its force x perceived-ethnicity table).
* `read_police_uk_street`, `read_police_uk_stop_search` - data.police.uk monthly CSVs: a folder of
  them, some files, or the archive zip.
* `read_workforce_table`, `read_workforce_ethnicity`, `workforce_strength` - Home Office police
  workforce open data tables (workforce; ethnicity, converted to the `workforce` input), as
  published or tidied; `read_workforce_bulletin(s)` - the September bulletins' ODS force tables.

Every force name goes through `helpers.core.forces` (an unknown one is an error naming the file).
`import_real` converts a folder of published files into a data folder (`python -m helpers
import-real`, run by `make report DATA=real`): by default `data/raw/`, which `make data` fills
from the publishers; any folder named with `--real-dir` (`REAL_DIR=` for make), flat or with one
sub-folder per publication, is searched the same way.

Annual tables (use of force): a financial year's figure is one row whose `period` is the year's
last month (2019/20 -> 2020-03). Such a row already covers 12 months; `is_year_ending` tells the
measures not to roll it again.

The package, one module per publisher's format: `sheets` (reading a spreadsheet or CSV as
text), `prc`, `ons`, `use_of_force`, `police_uk`, `workforce`, `workforce_bulletin`, and
`real_folder` (`import_real` and the command line).
"""

from __future__ import annotations

from helpers.inputs.published.ons import read_census_ethnicity, read_ons_population, tidy_population
from helpers.inputs.published.police_uk import (
    police_uk_force,
    read_police_uk_stop_search,
    read_police_uk_street,
)
from helpers.inputs.published.prc import prc_numbers, read_prc, read_prc_located, tidy_prc
from helpers.inputs.published.real_folder import (
    check_converted,
    import_real,
    main,
    named_files_folder,
)
from helpers.inputs.published.sheets import PublishedFileError, is_spreadsheet, read_sheets
from helpers.inputs.published.use_of_force import is_year_ending, read_use_of_force
from helpers.inputs.published.workforce import (
    read_workforce_ethnicity,
    read_workforce_table,
    workforce_strength,
)
from helpers.inputs.published.workforce_bulletin import (
    read_workforce_bulletin,
    read_workforce_bulletins,
)

__all__ = [
    "PublishedFileError",
    "check_converted",
    "import_real",
    "is_spreadsheet",
    "is_year_ending",
    "main",
    "named_files_folder",
    "police_uk_force",
    "prc_numbers",
    "read_census_ethnicity",
    "read_ons_population",
    "read_police_uk_stop_search",
    "read_police_uk_street",
    "read_prc",
    "read_prc_located",
    "read_sheets",
    "read_use_of_force",
    "read_workforce_bulletin",
    "read_workforce_bulletins",
    "read_workforce_ethnicity",
    "read_workforce_table",
    "tidy_population",
    "tidy_prc",
    "workforce_strength",
]
