"""The README's pictures: the first printed page of every document the demo files, as a
school prints it (Word through LibreOffice, the web page through headless Chromium).

Run: .venv/bin/python tools/make_pictures.py
Needs Debian's libreoffice-writer-nogui, chromium, poppler-utils and imagemagick
(`montage`). Writes docs/pictures/word.png and docs/pictures/html.png, committed; the
demo runs on a fixed day (XCERT_NOW) so the pictures change only when a document does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "pictures"
DAY = "2026-11-25T20:00"
# (file stem in the demo folder, label under its picture)
DOCUMENTS = [
    ("pass-rates-数控技术应用", "表 1 考证情况"),
    ("dual-certificate", "表 2 双证毕业率"),
    ("sign-list", "考证签领名单"),
    ("site-application", "考点申报表"),
    ("plan", "实施方案"),
    ("self-assessment", "绩效自评"),
    ("selection", "选拔结果公示"),
    ("sign-in", "考生签到表"),
    ("dossier", "汇编"),
    (f"summary-{DAY[:10]}", "日报"),
]


def run(*command: str, cwd: Path | None = None) -> None:
    subprocess.run(command, check=True, capture_output=True, cwd=cwd, timeout=300)


def first_page(pdf: Path, png: Path) -> None:
    run("pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(png))


def main() -> None:
    for tool in ("soffice", "chromium", "pdftoppm", "montage"):
        if shutil.which(tool) is None:
            sys.exit(f"needs {tool}")
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        env = {**os.environ, "XCERT_NOW": DAY}
        xcert = str(Path(sys.executable).with_name("xcert"))
        subprocess.run([xcert, "demo"], cwd=work, env=env, check=True, capture_output=True)
        demo = work / "xcert-demo"
        for kind in ("docx", "html"):
            pictures = []
            for stem, label in DOCUMENTS:
                source = demo / f"{stem}.{kind}"
                pdf = work / kind / f"{stem}.pdf"
                pdf.parent.mkdir(exist_ok=True)
                if kind == "docx":
                    profile = (work / "lo-profile").as_uri()
                    run(
                        "soffice",
                        f"-env:UserInstallation={profile}",
                        "--headless",
                        "--convert-to",
                        "pdf",
                        "--outdir",
                        str(pdf.parent),
                        str(source),
                    )
                else:
                    run(
                        "chromium",
                        "--headless",
                        "--no-sandbox",
                        "--disable-gpu",
                        f"--user-data-dir={work / 'chromium'}",
                        "--no-pdf-header-footer",
                        f"--print-to-pdf={pdf}",
                        source.as_uri(),
                    )
                first_page(pdf, pdf.with_suffix(""))
                pictures += ["-label", label, str(pdf.with_suffix(".png"))]
            name = "word.png" if kind == "docx" else "html.png"
            run(
                "montage",
                "-font",
                "Noto-Sans-CJK-SC",
                "-pointsize",
                "14",
                "-tile",
                "5x2",
                "-geometry",
                "+6+6",
                "-background",
                "#e8e8e8",
                *pictures,
                str(OUT / name),
            )
            print(OUT / name)


if __name__ == "__main__":
    main()
