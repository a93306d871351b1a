"""Partnership commentary as published: Markdown rendered by markdown-it-py and sanitised by
nh3 (the Ammonia HTML sanitiser), so an analyst's words can never put script, raw HTML, images
or a link to anything but an ``https`` address on a page.

Raw HTML in the Markdown is not passed through (markdown-it's ``html`` option is off, so it
shows as the literal text typed); image syntax is switched off (a page is self-contained and
never fetches anything); headings are demoted to level 4, under the section's own heading, so
the page's heading order holds; and the rendered HTML is then cleaned against an allow-list of
tags, attributes and URL schemes.
"""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt

from csp_analysis.io.commentary import CommentaryFile

__all__ = ["ALLOWED_TAGS", "attribution", "render_markdown"]

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h4", "hr",
}  # fmt: skip
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False}).disable("image")
_HEADING = re.compile(r"<(/?)h[1-6]>")


def render_markdown(text: str) -> str:
    """Commentary Markdown as safe HTML: see the module docstring for what is allowed.

    Parameters
    ----------
    text : str
        The Markdown body of a commentary file.

    Returns
    -------
    str
        HTML using only :data:`ALLOWED_TAGS`; links keep ``href`` only when it is ``https``
        and carry ``rel="noopener noreferrer"``.
    """
    html = _HEADING.sub(r"<\1h4>", _MARKDOWN.render(text))
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"https"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def attribution(commentary: CommentaryFile) -> str:
    """Who wrote the commentary, in what role and when: "Written by Jane Smith, Community
    Safety Analyst, on 14 April 2026."""
    meta = commentary.meta
    role = f", {meta.role}" if meta.role else ""
    return f"Written by {meta.author}{role}, on {meta.date.day} {meta.date:%B %Y}."
