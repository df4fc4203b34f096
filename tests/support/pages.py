"""Pages that local servers answer in tests and bench/ (no Django needed to import this)."""

from __future__ import annotations

from tests.support.servers import Reply

# The sentence of `article()` that citations quote.
EXCERPT = "9,400 people with no right to remain were returned this year"


def article(figure: str = "9,400", *, with_excerpt: bool = True, extra: str = "") -> str:
    """A news page quoting EXCERPT (with `figure` in place of 9,400) amid other paragraphs."""
    sentence = (
        f"<p>The Home Office said that {figure} people with no right to remain were returned "
        "this year, up 19% on 2023.</p>"
        if with_excerpt
        else ""
    )
    return f"""<!doctype html><html><head><title>Returns rise | Home Office</title></head>
<body><nav><a href="/">Home</a></nav><article><h1>Returns rise</h1>
<p>Immigration enforcement teams have been working across the country this year to remove
people with no right to be in the United Kingdom, the department said in a statement.</p>
{sentence}
<p>Ministers said the Border Security Command would receive £75 million of new funding to
target the smuggling gangs that organise dangerous crossings of the Channel.</p>
<p>Officials added that agreements with Serbia, North Macedonia and Kosovo would help.</p>
{extra}</article><footer>Crown copyright</footer></body></html>"""


STATEMENT = (
    "<html><head><title>Returns</title></head><body><article><p>The Home Office said "
    "that 9,400 people with no right to remain were returned this year, up 19% on 2023, "
    "in a statement published on its website this morning ({path}).</p></article>"
    "</body></html>"
)


def statement_page(path: str) -> Reply:
    """`respond` for a LocalServer: a short statement that names its own path, so every source
    on the server has a page (and an archived snapshot) of its own."""
    return Reply(STATEMENT.format(path=path).encode())
