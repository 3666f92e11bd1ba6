"""The exam-site application form (考点申报表) of seed 000."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass, field

from xcert import clock
from xcert.clean.dates import formal
from xcert.figures import stats
from xcert.office import catalogue, sites
from xcert.office.sessions import TO_COME
from xcert.output import tables as output
from xcert.output.reports.forms import sign_date
from xcert.privacy import mask_contacts_in, mask_email, mask_phone, mask_wechat

NOTES = (
    "以上内容可附页说明；",
    "如有联合申报的，则由一家为主体进行申报，同时应注明联合单位的具体情况；",
    "本申请表一式三份；",
)


def site_application(
    conn: sqlite3.Connection,
    *,
    site: str | None,
    public: bool,
    on: dt.date | None = None,
    **_: object,
) -> dict:
    """The form as seed 000 has it: every field, the four notes under it, room for a
    signature and a seal in each opinion box, dated as the profile says (blank to write
    by hand otherwise). What the database knows of the certificate is an attachment
    after it, never on the form."""
    profile = sites.site(conn, site)
    for key, empty in (("partners", ""), ("label", ""), ("attachments", [])):
        profile.setdefault(key, empty)  # a profile stored before the form had them
    school = sites.school(conn)
    contact = profile.get("organisation_contact") or {}
    same_wechat = bool(contact.get("wechat")) and contact.get("wechat") in (
        contact.get("phone"),
        contact.get("mobile"),
    )
    _site_contacts(profile, school, public=public)
    so_far = _certificate_so_far(conn, profile["certificate"])
    appendix = _appendix(profile["certificate"], so_far, on or clock.today())
    return {
        "title": f"{profile['certificate']}“1+X”考点申报表",
        "site": profile,
        "school_info": school,
        "all_levels": ("初级", "中级", "高级"),
        "site_types": sites.SITE_TYPES,
        "contacts": list(sites.CONTACTS.items()),
        "signed_on": sign_date(profile.get("signed_on")),
        "approved_on": sign_date(profile.get("approved_on")),
        "notes": [*NOTES, _ask_note(profile, same_wechat=same_wechat)],
        "appendix": appendix,
        "tables": [appendix.table] if appendix else [],
        "charts": [],
        "warnings": [],
    }


def _ask_note(profile: dict, *, same_wechat: bool) -> str:
    """Note 4: whom to ask, the evaluation organisation and its contact as the profile
    gives them (如有任何疑问请与…联系。联系人：…，电话：…（微信同号）)."""
    note = f"如有任何疑问请与{profile.get('organisation') or '培训评价组织'}联系。"
    contact = profile.get("organisation_contact") or {}
    if not contact.get("name"):
        return note
    parts = [f"联系人：{contact['name']}"]
    for label, key in (("电话", "phone"), ("手机", "mobile"), ("电子邮箱", "email")):
        if contact.get(key):
            parts.append(f"{label}：{contact[key]}")
    if contact.get("wechat") and not same_wechat:
        parts.append(f"微信：{contact['wechat']}")
    return note + "，".join(parts) + ("（微信同号）" if same_wechat else "") + "。"


def _site_contacts(profile: dict, school: dict, *, public: bool) -> None:
    """Each contact of the site as a table (empty if not given). A website's copy
    (`--public`, SPEC 5.3) shows no phone, e-mail or WeChat in full, and masks any in
    free text too (rooms, other, partners, the school's introduction)."""
    if public:
        for key in ("rooms", "other", "partners"):
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


@dataclass(frozen=True)
class Appendix:
    """The attachment after the form: the certificate's record in the database."""

    title: str
    table: output.Table
    registered: int  # entered for its sessions to come
    as_of: str  # the day the figures are of


def _appendix(certificate: str, so_far: _SoFar, on: dt.date) -> Appendix | None:
    """The certificate's record year by year, for reference; none when the database
    has nothing of it."""
    if not so_far.pass_rates and not so_far.registered:
        return None
    table = output.Table(
        "历年考核情况",
        ["年份", "考核人数（人）", "通过人数（人）", "缺考（人）", "通过率"],
        [
            [
                output.year_label(r.year),
                r.tested,
                r.passed,
                r.absent,
                output.rate(r.passed, r.tested),
            ]
            for r in so_far.pass_rates
        ],
    )
    title = f"附：本校{certificate}考核情况（据考证记录统计，供参考）"
    return Appendix(title, table, so_far.registered, formal(on.isoformat()))
