#!/usr/bin/env python3
"""check_messages.py - every message docs/TROUBLESHOOTING.md quotes must be
one the tools can print, so the page cannot drift from the sources.

Usage: check_messages.py SOURCE_DIR [DOC]   (DOC: docs/TROUBLESHOOTING.md)
       check_messages.py --self-test SOURCE_DIR

The doc quotes each message in a fenced block tagged `message`, one message
per line; text in <angle brackets> varies from run to run (it shows what a
real run printed). Each line is split at those placeholders, and every fixed
fragment left must be found in the sources: the C string literals of the
tools (common/, harness-src/, server/, client/, backends/; adjacent literals
joined, as clang-format may split them, and PRIu64-style macros read as
conversions), the double-quoted strings of the launcher scripts, and of the
CMake files. A message is often built from several format strings (an
outer "harness: %s: preflight: %s" around an inner reason), so a fragment
may be a run of pieces of format strings, where one piece ends exactly at a
conversion (or the end of its string) and the next begins exactly at one (or
the start of its string). Exit 0 when every fragment is found, 1 otherwise
(naming each fragment that is not), 2 on bad usage or an empty doc.

--self-test shows the check can fail: a message changed in a copy of the
doc, and a word of a message changed in a copy of the sources, must each be
reported, while the unchanged copies pass.
"""
import os
import re
import shutil
import sys
import tempfile

C_DIRS = ("common", "harness-src", "server", "client", "backends")
SHELL_FILES = ("harness", "test", ".ci/run")
FORMAT_MACROS = {
    "PRIu64": "llu", "PRId64": "lld", "PRIx64": "llx", "PRIi64": "lli",
    "SCNu64": "llu", "PRIu32": "u", "PRId32": "d",
    "JSON_INTEGER_FORMAT": "lld",
}
CONVERSION = re.compile(
    r"%[-+ #0']*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?:hh|h|ll|l|j|z|t|L)?"
    r"[diouxXeEfFgGaAcspn]")
BREAK = "\x01"  # a conversion, or a macro that is not text we can see
PLACEHOLDER = re.compile(r"<[^<>\n]*>")
ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "'": "'", "r": "\r",
           "a": "\a", "0": "\0", "?": "?"}


def decode(body):
    """The text of a C string literal's body (escapes decoded)."""
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            out.append(ESCAPES.get(body[i + 1], body[i + 1]))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def c_strings(text):
    """Every run of adjacent string literals in C source text, joined; a
    macro between two literals becomes its conversion (or a break)."""
    runs, current, i, n = [], None, 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            i = text.find("\n", i)
            i = n if i < 0 else i
        elif text.startswith("/*", i):
            i = text.find("*/", i + 2)
            i = n if i < 0 else i + 2
        elif c == "'":
            j = i + 1
            while j < n and text[j] != "'":
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            current = None
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            literal = decode(text[i + 1:j])
            if current is None:
                current = [literal]
                runs.append(current)
            else:
                current.append(literal)
            i = j + 1
        elif c.isspace():
            i += 1
        else:
            m = re.match(r"[A-Za-z_]\w*", text[i:])
            if m and current is not None and m.group(0).isupper():
                # "%" PRIu64 " connections", or "default " MACRO "; ..."
                current.append(FORMAT_MACROS.get(m.group(0), BREAK))
                i += len(m.group(0))
                continue
            current = None
            i += len(m.group(0)) if m else 1
    return ["".join(run) for run in runs]


def script_strings(text):
    """The double-quoted strings of a shell or CMake file, with every
    expansion ($x, ${x}, $(...)) read as a break."""
    strings = []
    for m in re.finditer(r'"((?:[^"\\]|\\.)*)"', text):
        body = re.sub(r"\\(.)", r"\1", m.group(1))
        strings.append(re.sub(r"\$\{[^}]*\}|\$\([^)]*\)|\$\w+|\$[*@#?]",
                              BREAK, body))
    return strings


def pieces_of(string):
    """A format string cut at its conversions and line ends."""
    string = string.replace("%%", "\x02")
    parts = re.split(CONVERSION.pattern + "|" + BREAK + "|\n", string)
    return [p.replace("\x02", "%") for p in parts if p]


def source_pieces(root):
    strings = []
    for top in C_DIRS:
        for folder, _, files in os.walk(os.path.join(root, top)):
            for name in files:
                if name.endswith((".c", ".h")):
                    with open(os.path.join(folder, name),
                              encoding="utf-8", errors="replace") as f:
                        strings += c_strings(f.read())
    scripts = [os.path.join(root, p) for p in SHELL_FILES]
    scripts += [os.path.join(root, "scripts", n)
                for n in sorted(os.listdir(os.path.join(root, "scripts")))
                if n.endswith(".sh")]
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith((".", "build"))
                   and d not in ("tests", "results")]
        scripts += [os.path.join(folder, n) for n in files
                    if n == "CMakeLists.txt"]
    for path in scripts:
        if os.path.isfile(path):
            with open(path, encoding="utf-8", errors="replace") as f:
                strings += script_strings(f.read())
    pieces = set()
    for s in strings:
        pieces.update(pieces_of(s))
    return pieces


class Pieces:
    """Lookups over the pieces: whole, prefix, suffix, anywhere."""

    def __init__(self, pieces):
        self.whole = pieces
        self.prefixes = {p[:k] for p in pieces for k in range(1, len(p) + 1)}
        self.suffixes = {p[k:] for p in pieces for k in range(len(p))}
        self.joined = "\0".join(sorted(pieces))

    def fits(self, text, starts_at_piece, ends_at_piece):
        if starts_at_piece and ends_at_piece:
            return text in self.whole
        if starts_at_piece:
            return text in self.prefixes
        if ends_at_piece:
            return text in self.suffixes
        return text in self.joined


def covered(fragment, pieces):
    """Whether fragment is a run of pieces joined at conversions. A whole
    piece in the middle must not be digits only: literals like "0" or "1"
    (arguments, not text) would otherwise let any number through."""
    n = len(fragment)
    reachable = [False] * (n + 1)
    reachable[0] = True
    for i in range(n):
        if not reachable[i]:
            continue
        for j in range(n, i, -1):
            text = fragment[i:j]
            if 0 < i and j < n and text.isdigit():
                continue
            if pieces.fits(text, i > 0, j < n):
                if j == n:
                    return True
                reachable[j] = True
    return False


def quoted_messages(doc_text):
    """(line number, message) for every line of every ```message block."""
    messages, inside = [], False
    for number, line in enumerate(doc_text.split("\n"), 1):
        if line.strip().startswith("```"):
            inside = not inside and line.strip() == "```message"
            continue
        if inside and line.strip():
            messages.append((number, line))
    return messages


def check(root, doc):
    """0 when every message of doc is in root's sources, 1 if not, 2 if
    doc quotes nothing."""
    with open(doc, encoding="utf-8") as f:
        messages = quoted_messages(f.read())
    if not messages:
        print(f"{doc}: no ```message blocks: nothing to check",
              file=sys.stderr)
        return 2
    pieces = Pieces(source_pieces(root))
    failures = 0
    for number, line in messages:
        fragments = [f for f in PLACEHOLDER.split(line) if f]
        if sum(len(f.strip()) for f in fragments) < 8:
            print(f"{doc}:{number}: too little fixed text to check: {line}")
            failures += 1
            continue
        for fragment in fragments:
            if not covered(fragment, pieces):
                print(f"{doc}:{number}: not in the sources: '{fragment}'\n"
                      f"    in: {line}")
                failures += 1
    print(f"checked {len(messages)} quoted messages against "
          f"{len(pieces.whole)} pieces of source strings: "
          f"{failures} not found")
    return 1 if failures else 0


def copy_sources(root, into):
    """The files source_pieces reads, copied under into."""
    for top in C_DIRS + ("scripts",):
        shutil.copytree(os.path.join(root, top), os.path.join(into, top))
    for path in SHELL_FILES + ("CMakeLists.txt",):
        if os.path.isfile(os.path.join(root, path)):
            os.makedirs(os.path.dirname(os.path.join(into, path)),
                        exist_ok=True)
            shutil.copy(os.path.join(root, path), os.path.join(into, path))


def self_test(root):
    doc = os.path.join(root, "docs", "TROUBLESHOOTING.md")
    with open(doc, encoding="utf-8") as f:
        text = f.read()
    number, line = quoted_messages(text)[0]
    fragment = max(PLACEHOLDER.split(line), key=len)
    word = max(re.findall(r"[A-Za-z]{5,}", fragment), key=len)
    changed = word[:-1] + ("x" if word[-1] != "x" else "y")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        copy_sources(root, tmp)
        doc_copy = os.path.join(tmp, "doc.md")
        with open(doc_copy, "w", encoding="utf-8") as f:
            f.write(text)
        results.append(("the unchanged copy", check(tmp, doc_copy), 0))
        lines = text.split("\n")
        lines[number - 1] = line.replace(word, changed, 1)
        with open(doc_copy, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
        results.append((f"the doc with '{word}' -> '{changed}' in line "
                        f"{number}", check(tmp, doc_copy), 1))
        with open(doc_copy, "w", encoding="utf-8") as f:
            f.write(text)
        for folder, _, files in os.walk(tmp):
            for name in files:
                path = os.path.join(folder, name)
                if path == doc_copy:
                    continue
                with open(path, encoding="utf-8", errors="replace") as f:
                    source = f.read()
                if word in source:
                    with open(path, "w", encoding="utf-8") as f:
                        f.write(source.replace(word, changed))
        results.append((f"the sources with '{word}' -> '{changed}'",
                        check(tmp, doc_copy), 1))
    wrong = [r for r in results if r[1] != r[2]]
    for what, got, want in results:
        print(f"self-test: {what}: exit {got} (want {want})")
    return 1 if wrong else 0


def main(argv):
    if len(argv) == 3 and argv[1] == "--self-test":
        return self_test(argv[2])
    if len(argv) not in (2, 3):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    root = argv[1]
    doc = argv[2] if len(argv) == 3 else os.path.join(
        root, "docs", "TROUBLESHOOTING.md")
    return check(root, doc)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
