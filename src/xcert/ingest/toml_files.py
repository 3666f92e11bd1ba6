"""TOML files handed to the office: the site profile, the certificate catalogue and
the targets (SPEC 5.2), recognised by their tables, not their name."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from xcert.errors import KeyProblems, Problem, XcertError
from xcert.ingest.report import FileReport, ImportOptions, finish_import, record_import
from xcert.office import catalogue, sites
from xcert.office import targets as targets_

TOML_TABLES = ("school", "site", "plan", "certificate", "scoring", "target")


@dataclass
class TomlFile:
    catalogue: catalogue.CatalogueFile
    targets: list[targets_.Target]
    school: dict | None
    sites: list[dict]
    plan: dict | None


def reads_other_files(data: bytes) -> bool:
    """Whether a file may name others to read with it (a plan's section `file = …`):
    then the same bytes again are not the same import, since the others may have changed."""
    return re.search(rb"^[ \t]*file[ \t]*=", data, re.M) is not None


def read_toml(path: Path, data: bytes) -> TomlFile | None:
    """A TOML file (certificate catalogue, scoring rule, targets), known by its content:
    a .toml name, or one of its tables at the start of a line."""
    if len(data) > 1 << 20 or data[:1] in (b"P", b"\xd0"):
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    tables = "|".join(TOML_TABLES)
    if path.suffix.lower() != ".toml" and not re.search(rf"^\s*\[\[?({tables})\]", text, re.M):
        return None
    tables_found = catalogue.load_toml(path, text)
    unknown = set(tables_found) - set(TOML_TABLES)
    if unknown:
        raise XcertError(
            f"{path.name}：不认识的表：{'、'.join(sorted(unknown))}（可用：{'、'.join(TOML_TABLES)}）"
        )
    return _parse(path, tables_found)


def _parse(path: Path, tables: dict) -> TomlFile:
    """The file's tables checked by site profile, catalogue and targets in turn: every
    problem of all three is listed (one per line, at its key), not only the first part's."""
    problems = KeyProblems(path.name)
    no_sites: tuple[dict | None, list[dict], dict | None] = (None, [], None)
    no_targets: list[targets_.Target] = []
    school, site_list, plan = _checked(problems, sites.parse, path, tables, no_sites)
    catalogue_file = _checked(
        problems, catalogue.parse, path, tables, catalogue.CatalogueFile([], {})
    )
    targets = _checked(problems, targets_.parse, path, tables, no_targets)
    problems.refuse()
    return TomlFile(catalogue_file, targets, school, site_list, plan)


_T = TypeVar("_T")


def _checked(
    problems: KeyProblems, parse: Callable[[Path, dict], _T], path: Path, tables: dict, none: _T
) -> _T:
    """What `parse` makes of the tables, or `none` and its problems added to `problems`."""
    try:
        return parse(path, tables)
    except XcertError as exc:
        problems += exc.problems or [Problem(path.name, exc.reason)]
        return none


def import_toml(
    conn: sqlite3.Connection, report: FileReport, options: ImportOptions, parsed: TomlFile
) -> None:
    report.format = "toml"
    report.kinds = [
        kind
        for kind, present in (
            ("school", parsed.school),
            ("sites", parsed.sites),
            ("plan", parsed.plan),
            ("catalogue", parsed.catalogue.certificates or parsed.catalogue.scoring),
            ("targets", parsed.targets),
        )
        if present
    ]
    import_id = record_import(conn, report, options, "+".join(report.kinds) or "toml")
    report.import_id = import_id
    for added, updated, unchanged in (
        sites.apply(conn, parsed.school, parsed.sites, parsed.plan, import_id),
        catalogue.apply_file(conn, parsed.catalogue, import_id, report.path.name),
        targets_.apply(conn, parsed.targets, import_id),
    ):
        report.added += added
        report.updated += updated
        report.unchanged += unchanged
    finish_import(conn, report, import_id)
