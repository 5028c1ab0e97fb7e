#!/usr/bin/env python3
"""The house's shape, checked by CI (`.ci/run`):

- no Rust file over 400 lines;
- no function over 60 lines, unless the comment just above it says why it
  is long "on purpose";
- no doc comment that only repeats its item's name (`/// The chair.` on
  `chair`): it says nothing, and on API types it leaks into the OpenAPI
  document as noise.

Prints each place that breaks a rule and exits 1 if there is any.
"""

import pathlib
import re
import sys

FILE_LINES = 400
FUNCTION_LINES = 60
ROOTS = ["src", "crates", "tests"]
FN = re.compile(r"^(\s*)(?:pub(?:\([^)]*\))?\s+)?(?:async\s+)?(?:const\s+)?(?:unsafe\s+)?fn\s+(\w+)")
ITEM = re.compile(
    r"(?:fn|struct|enum|const|static|type|mod|trait)\s+(\w+)"
    r"|^\s*(?:pub(?:\([^)]*\))?\s+)?(\w+)\s*[:,({=]"
)
FILLER = {"the", "a", "an", "its", "this", "of", "s", "id", "ids", "one", "to", "in", "for", "is", "are"}


def words(text):
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)
    return {w[:-1] if w.endswith("s") and len(w) > 3 else w
            for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in FILLER}


def comment_above(lines, i):
    j = i - 1
    while j >= 0 and re.match(r"\s*#\[", lines[j]):
        j -= 1
    block = []
    while j >= 0 and re.match(r"\s*//", lines[j]):
        block.append(lines[j])
        j -= 1
    return " ".join(block)


def code_only(text):
    """The text with the insides of comments, strings and character
    literals blanked out (newlines kept), so that braces are counted only
    where they are code."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif re.match(r'r#*"', text[i:i + 20]) and not (i and (text[i - 1].isalnum() or text[i - 1] == "_")):
            hashes = re.match(r'r(#*)"', text[i:]).group(1)
            end = text.find('"' + hashes, i + len(hashes) + 2)
            j = n if end < 0 else end + 1 + len(hashes)
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(re.sub(r"[^\n]", " ", text[i:j + 1]))
            i = j + 1
        elif c == "'" and re.match(r"'(\\.|[^\\'])'", text[i:i + 4]):
            j = text.index("'", i + 2 if text[i + 1] == "\\" else i + 1) + 1
            out.append(" " * (j - i))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def function_end(lines, i):
    """The line where the function starting at `i` closes, or None for a
    declaration without a body."""
    j = i
    while j < len(lines) and "{" not in lines[j]:
        if lines[j].rstrip().endswith(";"):
            return None
        j += 1
    depth = 0
    for k in range(j, len(lines)):
        depth += lines[k].count("{") - lines[k].count("}")
        if depth <= 0:
            return k
    return len(lines) - 1


def check(path):
    text = (pathlib.Path(__file__).resolve().parent.parent / path).read_text()
    lines = text.split("\n")
    code = code_only(text).split("\n")
    found = []
    if len(lines) > FILE_LINES + 1:
        found.append(f"{path}: {len(lines) - 1} lines (at most {FILE_LINES})")
    for i, line in enumerate(lines):
        fn = FN.match(code[i])
        if fn:
            end = function_end(code, i)
            if end is not None and end - i + 1 > FUNCTION_LINES and "on purpose" not in comment_above(lines, i):
                found.append(f"{path}:{i + 1}: fn {fn.group(2)} is {end - i + 1} lines "
                             f"(at most {FUNCTION_LINES}, or say above it why it is long on purpose)")
        doc = re.match(r"\s*/// (.*)$", line)
        lone = doc and not re.match(r"\s*///", lines[i - 1]) and i + 1 < len(lines) \
            and not re.match(r"\s*///", lines[i + 1])
        if lone:
            j = i + 1
            while j < len(lines) and re.match(r"\s*#\[", lines[j]):
                j += 1
            item = ITEM.search(lines[j]) if j < len(lines) else None
            if item:
                said, name = words(doc.group(1)), words(item.group(1) or item.group(2))
                if said and said <= name:
                    found.append(f"{path}:{i + 1}: the doc comment only repeats the name "
                                 f"`{item.group(1) or item.group(2)}`: say why, or nothing")
    return found


def main():
    root = pathlib.Path(__file__).resolve().parent.parent
    found = []
    for top in ROOTS:
        for path in sorted((root / top).rglob("*.rs")):
            if "target" not in path.parts:
                found.extend(check(path.relative_to(root)))
    for problem in found:
        print(problem)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
