"""One clock for the whole program (issue 15): tests freeze it, XCERT_NOW sets it for
one command, and nothing else in xcert reads the system clock."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from xcert import clock
from xcert.clean import idcard

from conftest import NOW, make_id, set_clock

SRC = Path(__file__).resolve().parents[1] / "src" / "xcert"
# Every way Python or SQLite reads the wall clock; the clock module is the one exception.
SYSTEM_CLOCK = re.compile(
    r"datetime\.now\(|datetime\.today\(|date\.today\(|datetime\.utcnow\(|time\.time\(|"
    r"time\.localtime\(|['\"]now['\"]|CURRENT_(?:DATE|TIME|TIMESTAMP)"
)


def test_nothing_but_the_clock_module_reads_the_system_clock():
    readers = [
        f"{path.relative_to(SRC)}:{number}: {line.strip()}"
        for path in sorted(SRC.rglob("*.py"))
        if path.name != "clock.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if SYSTEM_CLOCK.search(line)
    ]
    assert readers == []


def test_the_tests_run_on_the_frozen_day_whatever_the_machine_says():
    assert clock.now() == NOW and clock.today() == NOW.date()


def test_xcert_now_runs_a_command_as_on_that_day(cli, tmp_path, monkeypatch):
    clock.freeze(None)
    monkeypatch.setenv(clock.ENV, "2025-05-01T21:30")
    assert cli("init").exit_code == 0
    result = cli("summary", "--output-dir", tmp_path)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "summary-2025-05-01.md").exists()
    assert clock.now() == dt.datetime(2025, 5, 1, 21, 30)


@pytest.mark.parametrize("text", ["tomorrow", "2025-13-01", "2025-05-01T21:30+08:00"])
def test_an_unreadable_xcert_now_is_a_usage_mistake(cli, monkeypatch, text):
    monkeypatch.setenv(clock.ENV, text)
    result = cli("init")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "XCERT_NOW" in result.stderr
    assert not cli.db.exists()  # nothing written


def test_a_birth_date_is_judged_against_the_clock_of_the_moment(monkeypatch):
    tomorrow = NOW.date() + dt.timedelta(days=1)
    number = make_id(tomorrow.strftime("%Y%m%d"))
    with pytest.raises(idcard.IdNumberError, match="合理范围"):
        idcard.normalize_id(number)
    assert not idcard.all_valid([number])
    set_clock(monkeypatch, NOW + dt.timedelta(days=2))  # a day later the child is born
    assert idcard.normalize_id(number) == number
    assert idcard.all_valid([number])


def test_a_run_without_xcert_now_is_not_left_on_an_earlier_runs_day(cli, monkeypatch):
    monkeypatch.setenv(clock.ENV, "2020-01-01T00:00")
    assert cli("init").exit_code == 0
    assert clock.today() == dt.date(2020, 1, 1)
    monkeypatch.delenv(clock.ENV)
    assert cli("stats").exit_code == 0
    assert clock.today() != dt.date(2020, 1, 1)  # the system clock again
