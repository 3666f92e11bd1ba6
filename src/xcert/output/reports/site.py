"""The exam-site application form (考点申报表) of seed 000."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from xcert import clock
from xcert.clean.dates import formal
from xcert.figures import stats
from xcert.office import catalogue, sites
from xcert.office.sessions import TO_COME
from xcert.output import tables as output
from xcert.privacy import mask_contacts_in, mask_email, mask_phone, mask_wechat


def site_application(
    conn: sqlite3.Connection, *, site: str | None, public: bool, **_: object
) -> dict:
    profile = sites.site(conn, site)
    school = sites.school(conn)
    _site_contacts(profile, school, public=public)
    so_far = _certificate_so_far(conn, profile["certificate"])
    return {
        "title": f"{profile['certificate']}“1+X”考点申报表",
        "site": profile,
        "registered": so_far.registered,
        "school_info": school,
        "all_levels": ("初级", "中级", "高级"),
        "site_types": sites.SITE_TYPES,
        "contacts": list(sites.CONTACTS.items()),
        "signed_on": formal(profile.get("signed_on")),
        "tables": [_so_far_table(so_far.pass_rates)],
        "charts": [],
        "warnings": [],
    }


def _site_contacts(profile: dict, school: dict, *, public: bool) -> None:
    """Each contact of the site as a table (empty if not given). A website's copy
    (`--public`, SPEC 5.3) shows no phone, e-mail or WeChat in full, and masks any in
    free text too (rooms, other, the school's introduction)."""
    if public:
        for key in ("rooms", "other"):
            profile[key] = mask_contacts_in(profile.get(key) or "")
        school["introduction"] = mask_contacts_in(school.get("introduction") or "")
    for key in (*sites.CONTACTS, "organisation_contact"):
        contact = profile.get(key) or {}
        if public:
            contact.update(
                phone=mask_phone(contact.get("phone")),
                mobile=mask_phone(contact.get("mobile")),
                email=mask_email(contact.get("email")),
                wechat=mask_wechat(contact.get("wechat")),
            )
        profile[key] = contact


@dataclass(frozen=True)
class _SoFar:
    """What the database holds of a site's certificate: students entered for its
    sessions still to come, and its pass rates by year."""

    registered: int = 0
    pass_rates: list[stats.PassRate] = field(default_factory=list)


def _certificate_so_far(conn: sqlite3.Connection, name: str) -> _SoFar:
    """The site's certificate so far (SPEC 6.4); nothing if the catalogue lacks it."""
    cert = catalogue.Catalogue(conn).find(name)
    if cert is None:
        return _SoFar()
    registered = conn.execute(
        "SELECT count(*) FROM registrations r JOIN sessions se ON se.id = r.session_id"
        f" WHERE se.certificate_id = ? AND {TO_COME}",
        (cert.id, clock.today().isoformat()),
    ).fetchone()[0]
    rates = stats.pass_rates(conn, by="certificate", all_kinds=True)
    return _SoFar(registered, [r for r in rates if r.group == cert.name])


def _so_far_table(pass_rates: list[stats.PassRate]) -> output.Table:
    """The certificate's record in the database, year by year, for reference."""
    return output.Table(
        "数据库中的考核情况（供参考）",
        ["年份", "考核人数（人）", "通过人数（人）", "缺考（人）", "通过率"],
        [
            [
                output.year_label(r.year),
                r.tested,
                r.passed,
                r.absent,
                output.rate(r.passed, r.tested),
            ]
            for r in pass_rates
        ],
    )
