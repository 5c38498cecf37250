"""The outline of Python modules as CPython's `ast` reads them, for test/python-corpus.test.ts.

Reads `git cat-file --batch` output on stdin (blobs only) and prints one JSON object per blob:
{"id": <blob id>, "classes": [...]} or {"id": <blob id>, "error": <SyntaxError text>}.

Every class of the module, in source order, as
  {"line": <line of `class`>, "name": ..., "bases": [...], "methods": [...], "calls": [[name, n]]}
where a base is its dotted name (`a.b.C`) or "<expr>"; methods are the `def`s of the class body;
calls are the bare call statements of the class body (`depends_on("x")`), callee as a dotted name
or "<expr>", with their argument count (positional and keyword). The class body includes the
bodies of the `with` blocks in it, at any depth (`with when("+x"): depends_on("y")`).
"""

import ast
import json
import sys


def dotted(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        value = dotted(node.value)
        return None if value is None else value + "." + node.attr
    return None


def class_body(body, methods, calls):
    for stmt in body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            methods.append(stmt.name)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            class_body(stmt.body, methods, calls)
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            call = stmt.value
            name = dotted(call.func) or "<expr>"
            calls.append([name, len(call.args) + len(call.keywords)])


def outline(tree):
    classes = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        methods, calls = [], []
        class_body(node.body, methods, calls)
        classes.append(
            {
                "line": node.lineno,
                "name": node.name,
                "bases": [dotted(b) or "<expr>" for b in node.bases],
                "methods": methods,
                "calls": calls,
            }
        )
    classes.sort(key=lambda c: c["line"])  # two classes never start on one line
    return classes


def main():
    stdin = sys.stdin.buffer
    out = sys.stdout
    while True:
        header = stdin.readline()
        if not header:
            break
        blob_id, kind, size = header.split()
        if kind != b"blob":
            raise SystemExit(f"not a blob: {header!r}")
        data = stdin.read(int(size))
        stdin.read(1)  # the newline after each object
        record = {"id": blob_id.decode()}
        try:
            record["classes"] = outline(ast.parse(data))
        except SyntaxError as e:
            record["error"] = f"line {e.lineno}: {e.msg}"
        out.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
