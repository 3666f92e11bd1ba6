"""What a figure is limited to (SPEC 3, "Scope"): one major, department or class of the
students table, one school of a province's database (SPEC 6.8), and a span of years.
Plain data, the SQL conditions it adds to a query and the words a title names it by;
which stored name a typed one means is decided in `office/groups.py` and
`office/schools.py`.

A scope limits every figure the same way: a pass-rate row counts the results of the
scope's students, a dual-certificate row its graduates, a list its people. The span
limits exam years (table 1) and, unless a cohort is asked for on its own, cohorts
(table 2); both ends are included.

Only the standard library: `xcert stats --format json` must start fast. The values are
NamedTuples, immutable like frozen dataclasses: `xcert stats` defines them at every
start, and a dataclass costs several times as much to define.
"""

from typing import NamedTuple

# The students column each kind of group is, as the figures' queries alias it (s).
COLUMNS: dict[str, str] = {
    "department": "s.department",
    "major": "s.major",
    "class": "s.class_code",
    "school": "s.school_id",  # a province's database: the school's id, as text
}


class Span(NamedTuple):
    """Years from `first` to `last`, both included; None leaves that end open."""

    first: int | None = None
    last: int | None = None

    @classmethod
    def of(cls, year: int | None) -> "Span":
        """One year (`--year Y` is `--from Y --to Y`), or every year for None."""
        return cls(year, year)

    @property
    def one(self) -> int | None:
        """The year when the span is one year, else None."""
        return self.first if self.first is not None and self.first == self.last else None

    @property
    def open(self) -> bool:
        """No limit at all."""
        return self.first is None and self.last is None

    def holds(self, year: int) -> bool:
        """Whether `year` is in the span."""
        return (self.first is None or self.first <= year) and (
            self.last is None or year <= self.last
        )

    def years(self) -> list[int]:
        """Every year of a span closed at both ends (a table keeps their rows), else none."""
        if self.first is None or self.last is None:
            return []
        return list(range(self.first, self.last + 1))

    def sql(self, column: str) -> tuple[str, list[int]]:
        """` AND column >= ? AND column <= ?`, each only for an end that is set."""
        text, params = "", []
        if self.first is not None:
            text, params = f" AND {column} >= ?", [self.first]
        if self.last is not None:
            text, params = text + f" AND {column} <= ?", [*params, self.last]
        return text, params

    def words(self) -> str:
        """As a title writes it: 2023年, 2022-2023年, 2022年以来, 截至2023年; none for all."""
        if self.first is None and self.last is None:
            return ""
        if self.first == self.last:
            return f"{self.first}年"
        if self.first is not None and self.last is not None:
            return f"{self.first}-{self.last}年"
        return f"{self.first}年以来" if self.first is not None else f"截至{self.last}年"


class Group(NamedTuple):
    """One major, department or class: the name a title shows, and the stored spellings
    it stands for (the same name typed two ways in rosters counts as one). Or one school
    of a province's database: its name, and its id as the one spelling."""

    kind: str  # "major", "department", "class" or "school"
    name: str
    spellings: tuple[str, ...]

    @property
    def label(self) -> str:
        """专业「数控技术应用」: the group as a message names it."""
        return f"{GROUP_WORDS[self.kind]}「{self.name}」"


GROUP_WORDS = {"major": "专业", "department": "系部", "class": "班级", "school": "学校"}


def with_unit(name: str, unit: str) -> str:
    """`name` followed by `unit` (20数控1 → 20数控1班) unless it already ends in it
    (2021级电商2班); nothing for no name."""
    return "" if not name else name if name.endswith(unit) else name + unit


class Scope(NamedTuple):
    """The groups a figure is limited to (all must hold), and its span of years.
    `province`: the schools a province's database holds (0: a school's own database)."""

    groups: tuple[Group, ...] = ()
    years: Span = Span()
    province: int = 0

    def group(self, kind: str) -> Group | None:
        return next((g for g in self.groups if g.kind == kind), None)

    @property
    def grouped(self) -> bool:
        """Limited to part of a school (a major, department or class)."""
        return any(group.kind != "school" for group in self.groups)

    @property
    def school(self) -> Group | None:
        """The one school of a province's database the figures are limited to."""
        return self.group("school")

    @property
    def school_id(self) -> int | None:
        """That school's id in the schools table; None for none (or a school's own)."""
        school = self.school
        return int(school.spellings[0]) if school else None

    @property
    def across_schools(self) -> bool:
        """The figures span several schools of a province: a person is counted once
        (SPEC 6.8), and a table says so."""
        return self.province > 1 and self.school is None

    def in_year(self, year: int | None) -> "Scope":
        """This scope for one year (`--year`); unchanged for None."""
        return self if year is None else Scope(self.groups, Span.of(year), self.province)

    def students_sql(self) -> tuple[str, list[str]]:
        """` AND s.major IN (?)…`: the scope's students, on a query that names them `s`."""
        text, params = "", []
        for group in self.groups:
            marks = ", ".join("?" for _ in group.spellings)
            text += f" AND {COLUMNS[group.kind]} IN ({marks})"
            params += list(group.spellings)
        return text, params

    def whose(self) -> str:
        """Whose figures a title names in a province's database: the school, or 全省（3所
        学校）; none in a school's own database (its name heads the page)."""
        school = self.school
        if school is not None:
            return school.name
        return f"{PROVINCE}（{self.province}所学校）" if self.province else ""

    def words(self) -> str:
        """The scope as a title names it: the school of a province (or the province), then
        its groups; none for a whole school."""
        return self.whose() + self.group_words()

    def group_words(self) -> str:
        """The groups as a title names them: 机械部, 数控技术应用专业, 20数控1班, in that
        order (department, major, class); none for a whole school."""
        department, major, klass = (self.group(k) for k in ("department", "major", "class"))
        return (
            (department.name if department else "")
            + (with_unit(major.name, "专业") if major else "")
            + (with_unit(klass.name, "班") if klass else "")
        )

    def labels(self) -> str:
        """专业「数控技术应用」、班级「20数控1」: the groups as a message names them."""
        return "、".join(group.label for group in self.groups)

    def as_json(self) -> dict[str, object]:
        """SPEC 3's scope in JSON: each key null when not limited."""
        return {
            "school": _name(self.school),
            "major": _name(self.group("major")),
            "department": _name(self.group("department")),
            "class": _name(self.group("class")),
            "from": self.years.first,
            "to": self.years.last,
        }


def _name(group: Group | None) -> str | None:
    return group.name if group else None


# How a province's figures name the whole of it (a city bureau's database reads the same).
PROVINCE = "全省"
# Under a province's dual-certificate table: what counting a person once means there.
PERSONS_NOTE = (
    "全省数字中，同一学生（身份证号相同）在几所学校都有记录的只算一人；"
    "他在任何一所学校取得的技能证书都计入获得技能证人数"
)

# A scoped report leaves the targets out: the school sets them for the whole school.
TARGETS_NOTE = "绩效目标是全校的目标，按专业、系部或班级统计时不与目标对照（全校统计中有目标对照）"
TEACHERS_NOTE = "师资情况是全校的：按专业、系部或班级统计时，列的仍是全校的培训师、考评员和持证教师"
