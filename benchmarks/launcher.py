"""Starts each benchmark child and waits for it, from a process that stays small.

A child's peak RSS (`ru_maxrss` from os.wait4) counts what its parent held when it
was started: Linux starts a child from the parent's memory (vfork) and keeps that
memory's high-water mark across exec. Measured from the harness, which builds
databases of a million rows, every child would look that big. This process imports
nothing but the standard library's basics, so a child's figure is its own.

Protocol: one JSON request per line on stdin ({"argv", "cwd", "timeout", "stdout",
"stderr"}: the two file names the child's output goes to, through pipes, as under
cron), one JSON answer per line on stdout ({"seconds", "returncode", "max_rss_kb",
"timed_out"}).
"""

import json
import os
import shutil
import subprocess
import sys
import threading
import time


def _copy(stream, path):
    with open(path, "wb") as sink:
        shutil.copyfileobj(stream, sink, 1 << 16)


def _kill(proc, killed):
    killed.append(True)
    proc.kill()


def run(request):
    started = time.perf_counter()
    proc = subprocess.Popen(
        request["argv"],
        cwd=request["cwd"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    readers = [
        threading.Thread(target=_copy, args=(proc.stdout, request["stdout"])),
        threading.Thread(target=_copy, args=(proc.stderr, request["stderr"])),
    ]
    for reader in readers:
        reader.start()
    killed: list[bool] = []
    killer = threading.Timer(request["timeout"], _kill, args=(proc, killed))
    killer.start()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    killer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)  # so that Popen will not wait again
    for reader in readers:
        reader.join()
    rss_kb = usage.ru_maxrss / (1024 if sys.platform == "darwin" else 1)  # bytes on macOS
    return {
        "seconds": seconds,
        "returncode": proc.returncode,
        "max_rss_kb": rss_kb,
        "timed_out": bool(killed),
    }


def main():
    for line in sys.stdin:
        print(json.dumps(run(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
