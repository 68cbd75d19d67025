#!/usr/bin/env python3
"""Runs the shell examples of README.md and docs/*.md and compares their output with the docs.

Conventions (docs/testing.md, "Examples that run"):
- Every fenced block whose language is sh, bash, shell or console is either runnable, marked by
  `{run}` after the language (```console {run}), or starts with the visible line
  `# not run here: REASON`. Any other shell block is an error, so none goes unclassified.
- A runnable `console` block holds commands (`$ ` lines; a line ending in `\\` continues on the
  next) each followed by its expected output (stdout and stderr together). In the expected
  output `…` stands for any text within a line, and a line holding only `…` for any number of
  lines (ids, times, digests, durations).
- A runnable `sh` block is a script that must exit 0; its output is not compared.

Each page gets a fresh comments-service (the built binary, a free port, a temporary SQLite file)
and a scratch copy of the repository's tracked files as working directory, so examples may write
(render, pin) without touching the checkout. `localhost:8000` and `127.0.0.1:8000` in a page
mean that service. `commentsctl` and `comments-service` are the built ones (first on PATH, and
`build/dev/bin/` of the copy). The blocks of a page run in order, each in its own bash.
"""
import argparse
import glob
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field

SHELL_LANGUAGES = {"sh", "bash", "shell", "console"}
NOT_RUN = re.compile(r"^# not run here: \S")
FENCE = re.compile(r"^(\s*)(```+)\s*([^\s{]*)\s*(\{[^}]*\})?\s*$")
ELLIPSIS = "…"
BLOCK_TIMEOUT = 120


@dataclass
class Command:
    text: str
    expected: list = field(default_factory=list)
    line: int = 0


@dataclass
class Block:
    path: str
    line: int
    language: str
    runnable: bool
    body: list
    commands: list = field(default_factory=list)

    def where(self):
        return f"{self.path}:{self.line}"


class DocError(Exception):
    pass


def extract(path, text):
    """The shell blocks of one Markdown file; raises DocError for an unmarked one."""
    blocks, problems = [], []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, language, attrs = m.group(1), m.group(2), m.group(3), m.group(4) or ""
        j = i + 1
        while j < len(lines) and lines[j].strip() != fence:
            j += 1
        if j == len(lines):
            raise DocError(f"{path}:{i + 1}: code block never closed")
        body = [ln[len(indent):] if ln.startswith(indent) else ln.lstrip() for ln in lines[i + 1:j]]
        if language in SHELL_LANGUAGES:
            runnable = attrs.strip("{} ") == "run"
            if attrs and not runnable:
                problems.append(f"{path}:{i + 1}: unknown marker {attrs} (only {{run}})")
            elif not runnable and not (body and NOT_RUN.match(body[0])):
                problems.append(f"{path}:{i + 1}: shell example neither marked {{run}} nor starting "
                                f"with '# not run here: REASON'")
            block = Block(path, i + 1, language, runnable, body)
            if runnable and language == "console":
                block.commands = parse_console(block)
            blocks.append(block)
        i = j + 1
    if problems:
        raise DocError("\n".join(problems))
    return blocks


def parse_console(block):
    commands = []
    body = block.body
    k = 0
    while k < len(body):
        ln = body[k]
        if not ln.startswith("$ "):
            if commands:
                commands[-1].expected.append(ln)
            elif ln.strip():
                raise DocError(f"{block.where()}: output before the first '$ ' command: {ln!r}")
            k += 1
            continue
        text, start = ln[2:], k
        while text.endswith("\\") and k + 1 < len(body):
            k += 1
            text += "\n" + body[k]
        commands.append(Command(text, [], block.line + 1 + start))
        k += 1
    for c in commands:
        while c.expected and not c.expected[-1].strip():
            c.expected.pop()
    return commands


def line_pattern(expected_line):
    parts = [re.escape(p) for p in expected_line.split(ELLIPSIS)]
    return re.compile("^" + ".*?".join(parts) + "$")


def matches(expected, actual):
    """Whether the actual lines fit the expected ones, `…` being the variable parts."""
    exp = [e.rstrip() for e in expected]
    act = [a.rstrip() for a in actual]

    def walk(i, j):
        if i == len(exp):
            return j == len(act)
        if exp[i].strip() == ELLIPSIS:
            return any(walk(i + 1, k) for k in range(j, len(act) + 1))
        return j < len(act) and line_pattern(exp[i]).match(act[j]) is not None and walk(i + 1, j + 1)

    return walk(0, 0)


def localize(text, port):
    return re.sub(r"\b(localhost|127\.0\.0\.1):8000\b", rf"\g<1>:{port}", text)


def run_block(block, env, cwd, port):
    """Runs one block; returns a list of failure messages (empty when it matches)."""
    if block.language != "console":
        script = "set -euo pipefail\n" + localize("\n".join(block.body), port) + "\n"
        r = subprocess.run(["bash", "-c", script], cwd=cwd, env=env, capture_output=True,
                           text=True, timeout=BLOCK_TIMEOUT)
        if r.returncode != 0:
            return [f"{block.where()}: exit {r.returncode}\n{r.stdout}{r.stderr}"]
        return []
    marker = "@@docs-example-%d@@"
    script = ["exec 2>&1"]
    for n, c in enumerate(block.commands):
        script.append(localize(c.text, port))
        script.append(f"printf '%s\\n' '{marker % n}'")
    r = subprocess.run(["bash", "-c", "\n".join(script) + "\n"], cwd=cwd, env=env,
                       capture_output=True, text=True, timeout=BLOCK_TIMEOUT)
    out = r.stdout.replace("\r\n", "\n")
    failures = []
    for n, c in enumerate(block.commands):
        head, sep, out = out.partition(marker % n + "\n")
        if not sep:
            failures.append(f"{block.path}:{c.line}: `{c.text}` did not finish (bash exit "
                            f"{r.returncode}); output:\n{head}")
            break
        actual = head[:-1].split("\n") if head.endswith("\n") else head.split("\n")
        if head == "":
            actual = []
        expected = [localize(e, port) for e in c.expected]
        if not matches(expected, actual):
            failures.append(f"{block.path}:{c.line}: `{c.text}` printed\n"
                            + "\n".join("    " + a for a in actual)
                            + "\n  but the doc shows\n" + "\n".join("    " + e for e in expected))
    return failures


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Service:
    """A fresh comments-service on a free port with its own SQLite file."""

    def __init__(self, binary, workdir):
        self.port = free_port()
        self.log = open(os.path.join(workdir, "service.log"), "w")
        db = os.path.join(workdir, "comments.db")
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--listen", "127.0.0.1", "--storage", f"sqlite:{db}",
             "--log-level", "warn", "--shutdown-delay", "0s"], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"comments-service exited {self.proc.returncode}, log in {self.log.name}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/readyz", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("comments-service did not become ready within 30 s")
            time.sleep(0.05)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def scratch_copy(source, dest):
    files = subprocess.run(["git", "-C", source, "ls-files", "-z"], check=True,
                           capture_output=True).stdout.decode().split("\0")
    for f in files:
        if not f or not os.path.lexists(os.path.join(source, f)):
            continue
        target = os.path.join(dest, f)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(os.path.join(source, f), target, follow_symlinks=False)


def run_page(path, blocks, args):
    runnable = [b for b in blocks if b.runnable]
    if not runnable:
        return []
    with tempfile.TemporaryDirectory(prefix="docs-examples-") as tmp:
        work = os.path.join(tmp, "repo")
        scratch_copy(args.source, work)
        bindir = os.path.join(tmp, "bin")
        os.makedirs(bindir)
        for exe in (args.service, args.ctl):
            os.symlink(os.path.abspath(exe), os.path.join(bindir, os.path.basename(exe)))
        os.makedirs(os.path.join(work, "build", "dev"), exist_ok=True)
        os.symlink(bindir, os.path.join(work, "build", "dev", "bin"))
        env = dict(os.environ, PATH=bindir + os.pathsep + os.environ["PATH"], TMPDIR=tmp)
        service = Service(args.service, tmp)
        try:
            failures = []
            for b in runnable:
                failures += run_block(b, env, work, service.port)
            return failures
        finally:
            service.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="*", help="Markdown files (default: README.md, docs/*.md)")
    parser.add_argument("--service", help="the comments-service binary")
    parser.add_argument("--ctl", help="the commentsctl binary")
    parser.add_argument("--source", default=".", help="the repository (its tracked files are copied)")
    parser.add_argument("--list", action="store_true", help="only check the markers and list the blocks")
    args = parser.parse_args(argv)
    files = args.files or [os.path.join(args.source, "README.md")] + sorted(
        glob.glob(os.path.join(args.source, "docs", "*.md")))
    pages, problems = [], []
    for f in files:
        rel = os.path.relpath(f, args.source)
        try:
            with open(f, encoding="utf-8") as fh:
                pages.append((rel, extract(rel, fh.read())))
        except DocError as e:
            problems.append(str(e))
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    if args.list:
        for rel, blocks in pages:
            for b in blocks:
                print(f"{b.where()}: {'run' if b.runnable else b.body[0][2:]}")
        return 0
    if not args.service or not args.ctl:
        parser.error("--service and --ctl are needed to run the examples")
    failures, ran = [], 0
    for rel, blocks in pages:
        started = time.monotonic()
        page_failures = run_page(rel, blocks, args)
        n = sum(b.runnable for b in blocks)
        ran += n
        print(f"{rel}: {n} runnable, {len(blocks) - n} not run here, "
              f"{'FAIL' if page_failures else 'ok'} ({time.monotonic() - started:.1f} s)")
        failures += page_failures
    for f in failures:
        print(f, file=sys.stderr)
    print(f"{ran} examples run, {len(failures)} mismatches")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
