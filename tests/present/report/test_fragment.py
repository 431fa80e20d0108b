"""helpers.present.report.fragment: what a displayed fragment carries into the executed notebook."""

from __future__ import annotations

from helpers.present.report.fragment import REFRESH_KEY, TABLES_KEY, Html
from helpers.present.spreadsheet import SheetTable


def test_a_plain_fragment_is_its_text_alone():
    assert Html("<p>x</p>")._repr_html_() == "<p>x</p>"
    assert str(Html("<p>x</p>", {REFRESH_KEY: {"kind": "narrative"}})) == "<p>x</p>"


def test_tables_travel_in_the_metadata_beside_the_fragments_own():
    table = SheetTable(title="Rates", columns=["Force", "Rate"], rows=[["A", float("nan")]])
    own = {REFRESH_KEY: {"kind": "status"}}
    text, metadata = Html("<table></table>", own, tables=(table,))._repr_html_()
    assert text == "<table></table>"
    assert metadata[REFRESH_KEY] == {"kind": "status"}
    assert metadata[TABLES_KEY] == [table.as_dict()]
    assert metadata[TABLES_KEY][0]["rows"][0][0] == "A"
    # the fragment's own metadata is left as it was: it may be displayed again
    assert own == {REFRESH_KEY: {"kind": "status"}}
