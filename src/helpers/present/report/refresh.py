"""The narrative and status parts, which the build re-renders from the narrative files."""

from __future__ import annotations

import html
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from helpers.core.quarters import FinancialQuarter
from helpers.present.report.fragment import REFRESH_KEY


def narrative_html(narrative_dir: Path, quarter: FinancialQuarter | str, section_id: str) -> str:
    """A section's narrative from its file, rendered: what `SectionReport.narrative()` shows."""
    from helpers.present.narrative import load_narrative, render_narrative

    return render_narrative(load_narrative(narrative_dir, quarter, section_id))


def status_html(
    data_items: Iterable[str],
    narrative_dir: Path,
    quarter: FinancialQuarter | str,
    section_ids: Iterable[str],
) -> str:
    """The summary's "Before publication" block: `data_items` (already escaped HTML) and the
    flags of every section's narrative."""
    from helpers.present.narrative import narrative_status_summary

    items = list(data_items)
    for n in narrative_status_summary(narrative_dir, quarter, list(section_ids)):
        items.extend(html.escape(flag) for flag in n.flags)
    if not items:
        return '<p class="status-ok">All data supplied; every narrative reviewed.</p>'
    body = "".join(f"<li>{i}</li>" for i in items)
    return f'<h3>Before publication</h3>\n<div class="flag" role="note"><ul>{body}</ul></div>'


def refresh_narrative_outputs(nb: Any, narrative_dir: Path) -> int:
    """Re-render, in an executed notebook (`nbformat.NotebookNode`, changed in place), every
    output that comes from the narrative files: `SectionReport.narrative()` and
    `SummaryReport.status()`. Returns how many outputs were replaced."""
    replaced = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            # IPython files a `_repr_html_` metadata under the MIME type it belongs to.
            metadata = output.get("metadata") or {}
            meta = (metadata.get("text/html") or {}).get(REFRESH_KEY) or metadata.get(REFRESH_KEY)
            if not meta or "text/html" not in output.get("data", {}):
                continue
            if meta.get("kind") == "narrative":
                text = narrative_html(narrative_dir, meta["quarter"], meta["section"])
            elif meta.get("kind") == "status":
                text = status_html(
                    meta.get("data_items", []), narrative_dir, meta["quarter"], meta["sections"]
                )
            else:
                continue
            output["data"]["text/html"] = text
            replaced += 1
    return replaced
