"""The `merge` command: many schools' databases into a province's (SPEC 6.8)."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from xcert.cli.app import app, state
from xcert.cli.console import console, is_terminal
from xcert.errors import XcertError

if TYPE_CHECKING:
    from rich.progress import Progress

    from xcert.office.merge import Merged, Outcome

TABLE_WORDS = {
    "students": "学生",
    "results": "成绩",
    "awards": "获证",
    "sessions": "考核批次",
    "teachers": "教师",
    "targets": "目标",
}
STATE_WORDS = {
    "new": "新合并",
    "replaced": "已替换为这份文件",
    "unchanged": "与上次合并的文件相同，未改动",
}


@app.command()
def merge(
    files: Annotated[
        list[Path],
        typer.Argument(help="各学校的 xcert 数据库文件（只读取，不改动）", show_default=False),
    ],
    into: Annotated[
        Path,
        typer.Option(
            "--into", help="合并到这个省级（或市级）数据库；不存在则新建", show_default=False
        ),
    ],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只检查并报告，不写入")] = False,
    anonymise: Annotated[
        bool,
        typer.Option(
            "--anonymise/--keep-ids",
            help="默认去除学生和教师的姓名、学号、身份证号、电话（按身份证号加密摘要识别同一人）；"
            "--keep-ids 保留",
        ),
    ] = True,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="跳过无法合并的学校文件，合并其余的")
    ] = False,
    key: Annotated[
        Path | None,
        typer.Option(
            "--key",
            help="省级密钥文件（识别同一人用；默认是目标文件旁的 PROVINCE.db.key）；"
            "不要随省级文件一起外发",
            show_default=False,
        ),
    ] = None,
    allow_older: Annotated[
        bool,
        typer.Option(
            "--allow-older", help="允许用比已合并的更旧的学校文件替换（默认拒绝，以免误用旧文件）"
        ),
    ] = False,
) -> None:
    """把各学校的数据库合并为一个省级数据库，按学校分开保存；同一学校再次合并时整体替换。

    学校以考点资料 \\[school] 表的 name 和 code 区分；证书目录按名称和别名统一。
    例：xcert merge 甲校.db 乙校.db --into 全省.db；之后 xcert --db 全省.db stats --by school
    """
    from xcert.office.merge import check_province, merge_files
    from xcert.office.province_key import key_path
    from xcert.store.connect import connect
    from xcert.store.schema import migrate

    _check_paths(files, into)
    if into.exists():  # read only: a school's file given by mistake is left as it was
        _check_target(into)
    else:
        state.created = into  # announced once it holds a write, else removed
    conn = connect(into, state.command)
    try:
        migrate(conn, into)
        check_province(conn, into)  # again: a file the read-only look could not open
        with _Progress(len(files)) as step:
            outcome = merge_files(
                conn,
                files,
                anonymise=anonymise,
                dry_run=dry_run,
                skip_invalid=skip_invalid,
                allow_older=allow_older,
                key_file=key or key_path(into),
                on_school=step,
            )
    finally:
        conn.close()
    _print(outcome, dry_run=dry_run, skip_invalid=skip_invalid)
    if outcome.failed and not skip_invalid:
        raise typer.Exit(1)


def _check_target(into: Path) -> None:
    """A school's own database is refused as the target before anything opens it for
    writing (which would turn an older file's journal into WAL, or bring it up to date)."""
    import sqlite3

    from xcert.office.merge import check_province
    from xcert.store.copy import opens_without_new_files

    # read-only would leave -wal and -shm beside a closed WAL file; such a file holds
    # all its data in itself, and `immutable` reads it so without any file or lock
    mode = "mode=ro" if opens_without_new_files(into) else "immutable=1"
    try:
        reader = sqlite3.connect(f"{into.resolve().as_uri()}?{mode}", uri=True)
    except sqlite3.Error:
        return  # not a database: opening it for writing says why
    try:
        check_province(reader, into)
    except sqlite3.DatabaseError:
        pass  # damaged, or not a database: opening it for writing says why
    finally:
        reader.close()


def _check_paths(files: list[Path], into: Path) -> None:
    """The province file is none of the schools' files; no school file twice."""
    target = into.resolve()
    seen: set[Path] = set()
    for path in files:
        if path.resolve() == target:
            raise XcertError(f"{path} 既是学校文件又是 --into 的目标；请另选目标文件")
        if path.resolve() in seen:
            raise XcertError(f"{path} 列了两次")
        seen.add(path.resolve())
    if into.suffix.lower() in (".xlsx", ".xls", ".csv", ".ods", ".toml", ".docx"):
        raise typer.BadParameter(
            f"需要一个数据库文件名（.db），而不是「{into.name}」", param_hint="--into"
        )


class _Progress:
    """A bar over the schools on a terminal (stderr); nothing in a pipe or cron."""

    def __init__(self, total: int) -> None:
        self.total, self.done = total, 0
        self.bar: Progress | None = None

    def __enter__(self):
        if not is_terminal(sys.stderr):
            return None
        from rich.progress import Progress

        bar = self.bar = Progress(console=console(stderr=True).rich, transient=True)
        bar.start()
        task = bar.add_task("合并中", total=self.total)

        def step(path: Path) -> None:
            bar.update(task, completed=self.done, description=f"合并 {path.name}")
            self.done += 1

        return step

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _print(outcome: "Outcome", *, dry_run: bool, skip_invalid: bool) -> None:
    out = console()
    for merged in outcome.merged:
        out.print(_line(merged), markup=False)
    err = console(stderr=True)
    for _, reason in outcome.failed:
        err.print(f"错误：{reason}", markup=False)
    if dry_run:
        out.print("试运行（--dry-run）：没有写入任何数据。")
    elif outcome.failed and not skip_invalid:
        err.print(
            f"{len(outcome.failed)}个文件无法合并，没有写入任何数据。改正后重新合并，"
            "或用 --skip-invalid 只合并其余的学校。",
            markup=False,
        )
    elif not outcome.written and outcome.merged:
        out.print("没有需要改动的数据。")
    if outcome.written and outcome.new_key is not None:
        out.print(
            f"已生成省级密钥文件 {outcome.new_key}（识别同一学生、教师用）：请与省级文件一起备份，"
            "但不要随省级文件外发；丢失后不能再合并新的学校数据",
            markup=False,
        )


def _line(merged: "Merged") -> str:
    counts = "，".join(
        f"{word}{merged.counts[table]}"
        for table, word in TABLE_WORDS.items()
        if table in merged.counts
    )
    text = f"{merged.name}（{merged.code}，{merged.path.name}）：{STATE_WORDS[merged.state]}"
    if counts:
        text += f"：{counts}"
    if merged.new_certificates:
        text += f"；新证书：{'、'.join(merged.new_certificates)}"
    return text
