"""The report's HTML pages (helpers.pipeline.pages)."""

from __future__ import annotations

import pytest

from helpers.core.exceptions import RenderError
from helpers.pipeline.pages import check_offline


def test_a_page_that_would_load_from_the_network_is_refused():
    page = '<html><head><script src="https://cdn.example.org/plotly.min.js"></script></head></html>'
    with pytest.raises(RenderError, match=r"report\.html would load 1 external resource"):
        check_offline(page, "report.html")
    check_offline('<html><body><img src="data:image/png;base64,AAAA"></body></html>', "x.html")
