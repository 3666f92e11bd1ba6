"""The `import` command: what each file did, the problems, the rejects file."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from xcert.cli.app import app, db_path, open_db
from xcert.cli.console import console, is_terminal, print_problems
from xcert.cli.options import choice
from xcert.errors import XcertError
from xcert.model import SHEET_KINDS
from xcert.outfiles import check_target, replaced_note

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from xcert.ingest.report import ImportOutcome, ProgressCallback


@app.command("import")
def import_(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="一个或多个 .xlsx/.xlsm/.xls/.ods/.csv 表格，或 .toml 文件（证书目录、考点资料、实施方案、目标）",
            show_default=False,
        ),
    ],
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            help="表格类型：roster（花名册）、results（成绩）、awards（发证签领）、teachers（师资）；不填按表头判断",
            callback=choice(SHEET_KINDS, "--kind"),
        ),
    ] = None,
    sheet: Annotated[str | None, typer.Option("--sheet", help="只导入这个工作表")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只检查并报告，不写入")] = False,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="跳过有问题的行，导入其余的行")
    ] = False,
    rejects: Annotated[
        Path | None, typer.Option("--rejects", help="把被拒绝的行连同原因写入这个 .xlsx 文件")
    ] = None,
    add_students: Annotated[
        bool,
        typer.Option(
            "--add-students",
            help="成绩表、签领名单里花名册没有的学生，按该行信息新建（默认拒绝该行）",
        ),
    ] = False,
    program_years: Annotated[
        int,
        typer.Option(
            "--program-years", min=1, max=8, help="学制年数：由入学年份或班级推算届别时用"
        ),
    ] = 3,
) -> None:
    """导入花名册、考核成绩表、发证签领名单、师资名单（按表头自动识别），或 .toml（证书目录、考点资料、实施方案）。

    一次导入要么全部写入，要么什么都不写。

    例：xcert import 20级花名册.xlsx 考核成绩.xlsx 签领名单.xlsx --dry-run
    """
    from xcert.ingest.report import ImportOptions
    from xcert.ingest.run import run_import

    if rejects is not None:
        _check_rejects_path(rejects, files)
    options = ImportOptions(
        add_students=add_students,
        kind=kind,
        sheet=sheet,
        program_years=program_years,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
    )
    conn = open_db()
    with _progress() as on_progress:
        outcome = run_import(conn, files, options, on_progress)
    conn.close()
    print_import(outcome, options)
    if rejects is not None:
        _write_rejects(outcome, rejects, options)
    if outcome.problems and not skip_invalid:
        raise typer.Exit(1)


class _progress:
    """A rich progress bar for long imports, only when stderr is a terminal (not cron)."""

    THRESHOLD = 2000

    def __init__(self) -> None:
        self.bar: Progress | None = None
        self.task: TaskID | None = None

    def __enter__(self) -> "ProgressCallback | None":
        if not is_terminal(sys.stderr):
            return None

        def update(done: int, total: int) -> None:
            if total < self.THRESHOLD:
                return
            if self.bar is None:
                from rich.progress import Progress

                self.bar = Progress(console=console(stderr=True).rich, transient=True)
                self.bar.start()
                self.task = self.bar.add_task("导入中", total=total)
            assert self.task is not None  # added with the bar
            self.bar.update(self.task, completed=done, total=total)

        return update

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def print_import(outcome: "ImportOutcome", options) -> None:
    from xcert.model import SHEET_KIND_LABELS

    out = console()
    verb = "将" if options.dry_run else "" if outcome.written else "可"
    for report in outcome.files:
        detail = report.format
        if report.encoding:
            detail += f"，编码 {report.encoding}"
        out.print(f"{report.path.name}（{detail}，SHA-256 {report.sha256[:12]}…）", style="bold")
        if report.same_as_import is not None:
            out.print(
                f"  与第{report.same_as_import}次导入的文件完全相同，数据无需改动（{report.unchanged}行）"
            )
            _print_warnings(report)
            continue
        for sheet in report.sheets:
            if sheet.note:
                out.print(f"  工作表「{sheet.name}」：{sheet.note}")
                continue
            ignored = (
                f"；未识别的列：{'、'.join(sheet.ignored_headers)}" if sheet.ignored_headers else ""
            )
            if sheet.duplicate_headers:
                ignored += f"；重复的列未使用：{'、'.join(sheet.duplicate_headers)}"
            matched = f"（{'、'.join(sheet.matched_headers)}）" if sheet.matched_headers else ""
            out.print(
                f"  工作表「{sheet.name}」：{SHEET_KIND_LABELS.get(sheet.kind or '', sheet.kind)}，"
                f"表头在第{sheet.header_row}行{matched}，{sheet.data_rows}行数据{ignored}"
            )
        out.print(
            f"  {verb}新增 {report.added}，{verb}更新 {report.updated}，未变 {report.unchanged}，"
            f"拒绝 {report.rejected}"
            + (f"（导入编号 {report.import_id}）" if report.import_id else "")
        )
        _print_changes(report, verb)
        for name, kind in report.new_certificates:
            guess = "推测为 1+X 证书" if kind == "1+X" else "推测为其他证书（非 1+X）"
            added = "已加入" if outcome.written else "将加入"
            out.print(
                f"  注意：证书「{name}」不在证书目录中，{added}并按名称{guess}；"
                "请用 xcert certs 核对，或导入证书目录文件"
            )
        if report.new_students:
            out.print(f"  按 --add-students 新建了{report.new_students}名花名册里没有的学生")
        _print_warnings(report)
    problems = outcome.problems
    if problems:
        print_problems(problems)
    if options.dry_run:
        out.print("试运行（--dry-run）：没有写入任何数据。")
    elif problems and not options.skip_invalid:
        console(stderr=True).print(
            f"发现{len(problems)}处问题，没有写入任何数据。改正后重新导入，或用 --skip-invalid 只导入没问题的行。",
            markup=False,
        )


def _print_warnings(report) -> None:
    out = console()
    for warning in report.warnings[:50]:
        out.print(f"  提示：{warning.line()}")
    if len(report.warnings) > 50:
        out.print(f"  …另有{len(report.warnings) - 50}条提示")


def _print_changes(report, verb: str) -> None:
    """What the import changes in stored rows, one line per row and field, bounded."""
    if not report.changed:
        return
    out = console()
    out.print(f"  {verb}更改{report.changed}处：")
    for change in report.changes:
        out.print(f"    {change.line()}")
    if report.changed > len(report.changes):
        out.print(f"    …另有{report.changed - len(report.changes)}处更改")


def _write_rejects(outcome: "ImportOutcome", path: Path, options) -> None:
    from xcert.output.rejects import holds_id_numbers, write_rejects

    out = console()
    count = sum(len(f.rejected_rows) for f in outcome.files)
    if not count:
        out.print(f"没有被拒绝的行，未生成 {path}")
    elif options.dry_run:
        out.print(f"试运行：被拒绝的{count}行没有写入 {path}")
    else:
        existed = path.is_file()
        write_rejects(outcome, path, written=outcome.written)
        note = replaced_note(path) if existed else ""
        out.print(
            f"被拒绝的{count}行已写入 {path}（按来源工作表分页；先是拒绝原因，"
            f"后面是原表各列，原样保留；改正后可直接重新导入）{note}"
        )
        if holds_id_numbers(outcome):
            out.print("注意：这个文件含完整身份证号（原表的内容），改完导入后请删除，不要外传。")


def _check_rejects_path(path: Path, files: list[Path]) -> None:
    """Refuse before importing anything: a rejects file must never replace an input."""
    if path.suffix.lower() != ".xlsx" and not path.is_dir():
        raise typer.BadParameter(
            f"需要一个 .xlsx 文件名，而不是「{path.name}」", param_hint="--rejects"
        )
    if path.is_dir():
        raise XcertError(f"--rejects {path} 是一个文件夹")
    if not path.parent.exists():
        raise XcertError(f"--rejects 的文件夹「{path.parent}」不存在")
    check_target(path, option="--rejects", database=db_path(), inputs=files)
