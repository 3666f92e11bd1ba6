"""Where a report's template runs (SPEC 5.3): one sandboxed Jinja2 environment per
template folder, a school's own folder (`--templates DIR`) before the built-in one, and
the one way a template becomes text (the school and date every title block shows; a
template's mistake as one Chinese line).
"""

from __future__ import annotations

import datetime as dt
import functools
import sqlite3
from pathlib import Path

from xcert import clock
from xcert.clean.dates import formal
from xcert.errors import XcertError
from xcert.figures import stats
from xcert.office import sites
from xcert.output import tables as output
from xcert.output import template_errors
from xcert.resources import bundled


def school_name(conn: sqlite3.Connection) -> str:
    return str(sites.school(conn).get("name") or "")


def render_template(
    conn: sqlite3.Connection,
    template: str,
    context: dict,
    *,
    templates: Path | None = None,
    date: dt.date | None = None,
    block: str | None = None,
) -> str:
    """One Markdown or HTML template over a report's context, with the school and date
    every report's title block shows; only its `block` (a dossier's chapter is the body
    of a report's page) when given."""
    from markupsafe import Markup

    context["charts"] = [Markup(chart) for chart in context["charts"]]  # charts.py escapes its text
    context.update(
        school=school_name(conn) or "（学校名称未设置）",
        date=formal((date or clock.today()).isoformat()),
    )
    env = environment(templates)
    try:
        page = env.get_template(template)
        if block is None:
            return page.render(**context)
        if block not in page.blocks:
            raise XcertError(f"模板 {template} 没有 {{% block {block} %}}，不能收入汇编")
        # the page's own macros (a form's check box) are defined outside its blocks: run
        # the page once for them, without the dossier's table counter
        quiet = {k: v for k, v in context.items() if k != "numbers"}
        macros = {k: v for k, v in vars(page.make_module(quiet)).items() if k[0] != "_"}
        return "".join(page.blocks[block](page.new_context({**context, **macros})))
    except XcertError:
        raise
    except Exception as exc:  # a school's own template with an error: one line naming it
        folders = [Path(folder) for folder in env.loader.searchpath]
        raise XcertError(template_errors.describe(template, exc, folders)) from None


def environment(templates: Path | None = None):
    """Built-in templates, with a school's folder first when given; HTML autoescaped."""
    if templates is not None and not templates.is_dir():
        raise XcertError(f"--templates「{templates}」不是文件夹")
    return _environment(str(templates) if templates is not None else None)


@functools.lru_cache(maxsize=8)
def _environment(templates: str | None):
    """One environment per template folder: Jinja then compiles each template once.
    Sandboxed: a school's own template (`--templates`, also from cron) can print the
    report's data but reach no Python object behind it (a file, a process)."""
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    folders = [templates] if templates is not None else []  # already str(Path): environment()
    folders.append(str(bundled("templates")))
    env = ImmutableSandboxedEnvironment(
        loader=jinja2.FileSystemLoader(folders),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["markdown_table"] = output.markdown_table
    env.filters["md"] = output.md_cell

    env.filters["percent"] = stats.format_percent
    return env
