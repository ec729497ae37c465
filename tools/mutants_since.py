"""The names of mutmut's mutants that change a line changed since a git revision.

A module run once stays measured only until its code changes. This picks, for a later run,
the mutants of the lines added or rewritten since REV (a deleted line: the one after it):

    python tools/mutants_since.py REV > names.txt       # in the directory mutmut runs in
    CI=true mutmut run --max-children 1 $(cat names.txt)

It makes the mutants first (mutmut's own first step, without the test run), of the files
`only_mutate` names, or of all of `minigrad/`. The source is read from the git checkout that
`minigrad/` lives in. It uses mutmut 3.8's own functions (the dev extra pins mutmut < 4).
"""

from __future__ import annotations

import difflib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import libcst as cst
import mutmut.__main__ as mutmut_main
from mutmut.mutation.diff_apply import read_mutant_function, read_original_function

HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.MULTILINE)


def changed_lines(repo: Path, rev: str, path: str) -> set[int]:
    """The line numbers, in the file as it is now, of what changed since `rev`."""
    diff = subprocess.run(["git", "-C", str(repo), "diff", "-U0", rev, "--", path],
                          capture_output=True, text=True, check=True).stdout
    lines: set[int] = set()
    for hunk in HUNK.finditer(diff):
        start, count = int(hunk[1]), int(hunk[2] if hunk[2] is not None else 1)
        lines.update(range(start, start + max(count, 1)))
    return lines


def function_start(source_lines: list[str], function: list[str]) -> int | None:
    """The index of the function's second line in the source (its first is `def` under
    mutmut's own name), found by the stripped lines (a method is indented in the source, and
    a docstring's later lines keep their indent), or None if it is not found once."""
    want = [line.strip() for line in function[1:]]
    starts = [i for i in range(len(source_lines))
              if source_lines[i:i + len(want)] == want]
    return starts[0] if len(starts) == 1 else None


def mutants_on(path: str, lines: set[int], source: str) -> list[str]:
    """The mutants of one file whose change touches one of `lines`. A function that cannot
    be placed in the source keeps all its mutants (more checked, none missed)."""
    names = list(json.loads(Path("mutants", path + ".meta").read_text())["exit_code_by_key"])
    module = cst.parse_module(Path("mutants", path).read_text())
    source_lines = [line.strip() for line in source.split("\n")]
    starts: dict[str, int | None] = {}
    picked = []
    for name in names:
        original = cst.Module([read_original_function(module, name)]).code.strip().split("\n")
        mutant = cst.Module([read_mutant_function(module, name)]).code.strip().split("\n")
        function = name.rpartition("__mutmut_")[0]
        if function not in starts:
            starts[function] = function_start(source_lines, original)
        start = starts[function]
        if start is None:  # (a body found twice, such as a one-line method's)
            picked.append(name)
            continue
        touched: set[int] = set()
        for tag, i1, i2, _, _ in difflib.SequenceMatcher(None, original, mutant,
                                                         autojunk=False).get_opcodes():
            if tag != "equal":  # original[i] is on line start + i (1-based)
                touched.update(range(start + i1, start + max(i2, i1 + 1)))
        if touched & lines:
            picked.append(name)
    return picked


def main(rev: str) -> None:
    repo = Path("minigrad").resolve().parent
    os.makedirs("mutants", exist_ok=True)
    stdout = os.dup(1)
    os.dup2(2, 1)  # what mutmut prints while it makes the mutants goes to stderr
    mutmut_main.set_mutant_under_test("mutant_generation")
    mutmut_main.copy_src_dir()
    mutmut_main.setup_source_paths()
    mutmut_main.store_lines_covered_by_tests()
    mutmut_main.create_mutants(1)
    sys.stdout.flush()
    os.dup2(stdout, 1)
    for meta in sorted(Path("mutants", "minigrad").rglob("*.py.meta")):
        path = str(meta.relative_to("mutants"))[:-len(".meta")]
        lines = changed_lines(repo, rev, path)
        if lines:
            for name in mutants_on(path, lines, (repo / path).read_text()):
                print(name)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
