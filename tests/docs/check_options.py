#!/usr/bin/env python3
"""check_options.py - the option tables of the docs must list exactly the
options each binary's --help prints, so a doc cannot drift from its tool.

Usage: check_options.py DOC BINARY [DOC BINARY ...]
       check_options.py --self-test DOC BINARY [DOC BINARY ...]

For each pair, the options of DOC are the `--name` words in the first cell
of its table rows that start with `| \x60--` (the option tables); the
options of BINARY are every `--name` word its --help prints. Each side
must hold every option of the other. An option --help shows as
"alias of --OTHER" (an old spelling kept) must say "alias of `--OTHER`"
in its row of the doc, and the other way round. Exit 0 when all pairs
agree, 1
otherwise (naming each option missing on either side), 2 on bad usage, an
unreadable doc, a doc without an option table, or a binary that does not
answer --help with exit 0.

--self-test shows the check can fail: in a copy of each doc one character
of one option is changed, and the check must report it, while the
unchanged doc passes; in a doc with aliases, one "alias of" dropped must
be reported too.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

OPTION = re.compile(r"--[a-z][a-z0-9-]*")
ROW = re.compile(r"^\|\s*`--")
HELP_ALIAS = re.compile(r"^\s+(--[a-z][a-z0-9-]*)\b.*?\s\s+alias of "
                        r"(--[a-z][a-z0-9-]*)", re.M)
DOC_ALIAS = re.compile(r"alias of `(--[a-z][a-z0-9-]*)`")


def doc_options(path):
    with open(path, encoding="utf-8") as f:
        rows = [line for line in f if ROW.match(line)]
    options = set()
    for row in rows:
        first_cell = row.split("|")[1]
        options.update(OPTION.findall(first_cell))
    return options


def doc_aliases(path):
    """{alias: canonical} from rows whose text says alias of `--X`."""
    with open(path, encoding="utf-8") as f:
        rows = [line for line in f if ROW.match(line)]
    aliases = {}
    for row in rows:
        cells = row.split("|")
        target = DOC_ALIAS.search("|".join(cells[2:]))
        if target:
            for option in OPTION.findall(cells[1]):
                aliases[option] = target.group(1)
    return aliases


def help_text(binary):
    result = subprocess.run([binary, "--help"], capture_output=True,
                            text=True, timeout=30)
    if result.returncode != 0:
        raise RuntimeError(f"{binary} --help exited {result.returncode}")
    return result.stdout


def help_options(binary):
    return set(OPTION.findall(help_text(binary)))


def help_aliases(binary):
    return dict(HELP_ALIAS.findall(help_text(binary)))


def compare_aliases(doc, binary):
    documented, offered = doc_aliases(doc), help_aliases(binary)
    name = os.path.basename(binary)
    problems = []
    for alias in sorted(set(documented) | set(offered)):
        said, shown = documented.get(alias), offered.get(alias)
        if said != shown:
            problems.append(
                f"{doc}: `{name} --help` shows {alias} as "
                f"{'alias of ' + shown if shown else 'not an alias'}, "
                f"the option table as "
                f"{'alias of `' + said + '`' if said else 'not an alias'}")
    return problems


def compare(doc, binary):
    """The list of disagreements between doc and binary (empty: agree)."""
    documented = doc_options(doc)
    if not documented:
        raise RuntimeError(f"{doc} has no option table (rows '| `--...')")
    offered = help_options(binary)
    name = os.path.basename(binary)
    problems = [f"{doc}: {o} is in `{name} --help` but not in the doc's "
                f"option table" for o in sorted(offered - documented)]
    problems += [f"{doc}: {o} is in the option table but `{name} --help` "
                 f"does not offer it" for o in sorted(documented - offered)]
    return problems + compare_aliases(doc, binary)


def check(pairs):
    problems = []
    for doc, binary in pairs:
        problems += compare(doc, binary)
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


def self_test(pairs):
    """Change one character of the first option of each doc's table in a
    copy: the check must fail on the copy and pass on the original."""
    failures = aliased = 0
    with tempfile.TemporaryDirectory() as tmp:
        for doc, binary in pairs:
            if compare(doc, binary):
                print(f"self-test: {doc} does not pass as it is",
                      file=sys.stderr)
                failures += 1
                continue
            copy = os.path.join(tmp, os.path.basename(doc))
            shutil.copy(doc, copy)
            with open(copy, encoding="utf-8") as f:
                text = f.read()
            match = next(m for m in re.finditer(r"^\|\s*`(--[a-z])", text,
                                                re.M))
            at = match.end(1) - 1  # the option's first letter
            changed = "x" if text[at] != "x" else "y"
            with open(copy, "w", encoding="utf-8") as f:
                f.write(text[:at] + changed + text[at + 1:])
            found = compare(copy, binary)
            if len(found) != 2:
                print(f"self-test: one changed character in {doc} gave "
                      f"{found}, not the two lines expected", file=sys.stderr)
                failures += 1
            if "alias of `" not in text:
                continue
            aliased += 1
            with open(copy, "w", encoding="utf-8") as f:
                f.write(text.replace("alias of `", "same as `", 1))
            found = compare(copy, binary)
            if len(found) != 1:
                print(f"self-test: one alias undocumented in {doc} gave "
                      f"{found}, not the one line expected", file=sys.stderr)
                failures += 1
    if failures == 0:
        print(f"self-test: {len(pairs)} docs pass, and one changed "
              f"character in each is caught, and one undocumented alias "
              f"in each of the {aliased} with aliases")
    return 1 if failures else 0


def main(argv):
    test = argv[1:2] == ["--self-test"]
    args = argv[2:] if test else argv[1:]
    if not args or len(args) % 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    pairs = list(zip(args[0::2], args[1::2]))
    try:
        return self_test(pairs) if test else check(pairs)
    except (OSError, RuntimeError, subprocess.SubprocessError) as e:
        print(f"check_options: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
