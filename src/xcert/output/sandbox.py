"""Where a report's template runs (SPEC 5.3): one sandboxed Jinja2 environment per
template folder, a school's own folder (`--templates DIR`) before the built-in one, and
the one way a template becomes text (the school and date every title block shows, the
print style and footer base.html reads; a template's mistake as one Chinese line).
"""

from __future__ import annotations

import datetime as dt
import functools
import sqlite3
from pathlib import Path

from markupsafe import Markup

from xcert import clock
from xcert.clean.dates import formal
from xcert.errors import XcertError
from xcert.figures import stats
from xcert.office import sites
from xcert.output import tables as output
from xcert.output import template_errors
from xcert.output.typeset import rows_html, typeset, typeset_tables
from xcert.resources import bundled

# --style: the default sans page, or one after GB/T 9704 (仿宋 body, 小标宋 title, margins)
STYLES = ("plain", "official")


def school_name(conn: sqlite3.Connection) -> str:
    return str(sites.school(conn).get("name") or "")


def shown_school(conn: sqlite3.Connection) -> str:
    """The school as a report's title block shows it, or that it is not set yet; a
    province's database (which takes only merges) as the schools it sums: 3所学校汇总."""
    if name := school_name(conn):
        return name
    (schools,) = conn.execute("SELECT count(*) FROM schools").fetchone()
    return f"{schools}所学校汇总" if schools else "（学校名称未设置）"


def heading(conn: sqlite3.Connection, day: dt.date | None = None) -> output.Heading:
    """The school and the report's date (today unless given) under every title."""
    return output.Heading(shown_school(conn), formal((day or clock.today()).isoformat()))


def render_template(
    conn: sqlite3.Connection,
    template: str,
    context: dict,
    *,
    templates: Path | None = None,
    date: dt.date | None = None,
) -> str:
    """One Markdown or HTML template over a report's context, with the school and date
    every report's title block shows; `style` and `footer` (the "由 xcert 生成" line)
    default to the plain page without it. HTML gets its tables' cells typeset."""
    context["charts"] = [Markup(chart) for chart in context["charts"]]  # charts.py escapes its text
    who = heading(conn, date)
    context.update(school=who.school, date=who.date)
    context.setdefault("style", "plain")
    context.setdefault("footer", False)
    if template.endswith(".html"):
        context = {key: typeset_tables(value) for key, value in context.items()}
    env = environment(templates)
    try:
        return env.get_template(template).render(**context)
    except Exception as exc:  # a school's own template with an error: one line naming it
        folders = [Path(folder) for folder in env.loader.searchpath]
        raise XcertError(template_errors.describe(template, exc, folders)) from None


def _cell(value: object) -> object:
    """A table cell for a template: typeset text (already safe HTML) as it is, a score
    81.0 as 81."""
    return value if isinstance(value, Markup) else output.cell_text(value)


def environment(templates: Path | None = None):
    """Built-in templates, with a school's folder first when given; HTML autoescaped."""
    if templates is not None and not templates.is_dir():
        raise XcertError(f"--templates「{templates}」不是文件夹")
    return _environment(str(templates) if templates is not None else None)


@functools.lru_cache(maxsize=8)
def _environment(templates: str | None):
    """One environment per template folder: Jinja then compiles each template once.
    With a school's folder, sandboxed: its own template (`--templates`, also from cron)
    can print the report's data but reach no Python object behind it (a file, a
    process). xcert's own templates alone need no sandbox, whose checks on every
    attribute a template reads make a 10,000-row list ten times slower."""
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    folders = [templates] if templates is not None else []  # already str(Path): environment()
    folders.append(str(bundled("templates")))
    kind = jinja2.Environment if templates is None else ImmutableSandboxedEnvironment
    env = kind(
        loader=jinja2.FileSystemLoader(folders),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["markdown_table"] = output.markdown_table
    env.filters["md"] = output.md_cell
    env.filters["cell"] = _cell  # a score 81.0 as 81 (a school's own loop over a table)
    env.filters["rows_html"] = rows_html  # table.html's rows, made once in Python

    env.filters["percent"] = stats.format_percent
    env.filters["typeset"] = typeset  # free text in HTML: numbers with units, e-mails whole
    return env
