"""The document markup parsed into a tree: a small subset of HTML, with HTML's forgiving
rules for end tags people leave out. Styles are computed by `style.py`."""

from __future__ import annotations

import re
from html import unescape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .style import Style

BLOCK_TAGS = {"div", "section", "header", "footer", "main", "article", "p"}
BLOCK_TAGS |= {f"h{n}" for n in range(1, 7)}
TABLE_TAGS = {"table", "thead", "tbody", "tfoot", "tr", "td", "th"}
INLINE_TAGS = {"b", "strong", "i", "em", "u", "small", "span", "br"}
IGNORED_TAGS = {"html", "head", "body", "title", "meta"}
VOID_TAGS = {"br", "hr", "barcode", "meta"}
KNOWN_TAGS = BLOCK_TAGS | TABLE_TAGS | INLINE_TAGS | IGNORED_TAGS | {"hr", "barcode", "style"}
# Tags whose end tag HTML lets people leave out; they close when a sibling starts.
IMPLIED_END = {"p", "td", "th", "tr", "thead", "tbody", "tfoot"}

MAX_DEPTH = 40  # elements open inside each other


class _TooDeep(Exception):
    """Markup nested past MAX_DEPTH: parsing stops, and the message is the only error."""


# --- Tree ---------------------------------------------------------------------------------


class Node:
    """An element of the markup; `children` are elements and text. `style` is set by
    `stylesheet.style_tree` before layout (reading it earlier is an AttributeError)."""

    __slots__ = ("attrs", "children", "classes", "line", "parent", "style", "tag")
    style: Style

    def __init__(self, tag: str, attrs: dict[str, str], parent: Node | None, line: int) -> None:
        self.tag = tag
        self.attrs = attrs
        self.classes = tuple(attrs.get("class", "").split())
        self.children: list[Node | str] = []
        self.parent = parent
        self.line = line

    def describe(self) -> str:
        cls = "".join(f".{c}" for c in self.classes)
        return f"<{self.tag}{cls}>"


_TOKENS = re.compile(
    r"<!--.*?-->"
    r"|<(/?)([A-Za-z][A-Za-z0-9]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*?)\s*(/?)>"
    r"|<![^>]*>"
    r"|[^<]+"
    r"|<",
    re.S,
)
_ATTRS = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>"']+))?""")


_NO_TEXT = {"root", "table", "thead", "tbody", "tfoot", "tr"}


class _Parser:
    """A tokenizer for the markup subset (one regex: several times faster than html.parser,
    which matters at a thousand labels), with HTML's forgiving rules for omitted end tags."""

    def __init__(self) -> None:
        self._line = 1
        self.root = Node("root", {}, None, 1)
        self.stack = [self.root]
        self.errors: list[str] = []
        self.css: list[str] = []
        self._in_style = False
        self._in_title = False

    def _where(self) -> str:
        return f"output line {self._line}"

    def feed(self, markup: str) -> None:
        position = 0
        for match in _TOKENS.finditer(markup):
            start = match.start()
            self._line += markup.count("\n", position, start)
            position = start
            name = match.group(2)
            if name is not None:
                tag = name.lower()
                if match.group(1):
                    self.handle_endtag(tag)
                else:
                    attrs = [
                        (key.lower(), unescape(value[1:-1] if value[:1] in "\"'" else value))
                        for key, value in _ATTRS.findall(match.group(3) or "")
                    ]
                    self._start(tag, attrs, closed=bool(match.group(4)))
            else:
                text = match.group()
                if text.startswith("<!"):
                    continue
                self.handle_data(unescape(text) if "&" in text else text)

    def _start(self, tag: str, attrs: list[tuple[str, str]], closed: bool) -> None:
        if tag not in KNOWN_TAGS:
            self.errors.append(
                f"<{tag}> is not supported ({self._where()}). Use div, p, h1-h6, table, span, "
                "b, i, u, small, br, hr or barcode."
            )
            return
        if tag == "style":
            self._in_style = not closed
            return
        if tag == "title":
            self._in_title = not closed
            return
        if tag in IGNORED_TAGS:
            return
        # HTML's omitted end tags: a new cell closes the open cell, a new row the open row...
        top = self.stack[-1]
        if tag in ("td", "th"):
            self._close_implied({"td", "th"}, stop={"tr", "table"})
        elif tag == "tr":
            self._close_implied({"td", "th", "tr"}, stop={"table", "thead", "tbody", "tfoot"})
        elif tag in ("thead", "tbody", "tfoot"):
            self._close_implied({"td", "th", "tr", "thead", "tbody", "tfoot"}, stop={"table"})
        elif tag in BLOCK_TAGS | {"table", "hr", "barcode"}:
            self._close_implied({"p"}, stop=BLOCK_TAGS - {"p"} | TABLE_TAGS)
        top = self.stack[-1]
        if tag not in VOID_TAGS and not closed and len(self.stack) > MAX_DEPTH:
            # Styling and layout walk the tree recursively: a deeper one would exhaust the
            # stack (a 500 once). No document needs more than a few levels.
            raise _TooDeep(
                f"<{tag}> ({self._where()}) is nested more than {MAX_DEPTH} elements "
                "deep; close the elements you open."
            )
        node = Node(tag, {k: (v if v is not None else "") for k, v in attrs}, top, self._line)
        top.children.append(node)
        if tag not in VOID_TAGS and not closed:
            self.stack.append(node)

    def _close_implied(self, closable: set[str], stop: set[str]) -> None:
        for index in range(len(self.stack) - 1, 0, -1):
            tag = self.stack[index].tag
            if tag in stop:
                return
            if tag in closable:
                del self.stack[index:]
                return

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False
            return
        if tag == "title":
            self._in_title = False
            return
        if tag in IGNORED_TAGS or tag in VOID_TAGS or tag not in KNOWN_TAGS:
            return
        for index in range(len(self.stack) - 1, 0, -1):
            node = self.stack[index]
            if node.tag == tag:
                unclosed = [n for n in self.stack[index + 1 :] if n.tag not in IMPLIED_END]
                if unclosed:
                    names = ", ".join(n.describe() for n in unclosed)
                    self.errors.append(
                        f"</{tag}> ({self._where()}) closes {node.describe()} while {names} "
                        "inside it is still open."
                    )
                del self.stack[index:]
                return
        self.errors.append(f"</{tag}> ({self._where()}) has no matching <{tag}>.")

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.css.append(data)
        elif self._in_title:
            return
        elif data:
            top = self.stack[-1]
            if top.tag in _NO_TEXT and data.isspace():
                return  # indentation between rows and cells
            top.children.append(data)

    def close(self) -> None:
        unclosed = [n for n in self.stack[1:] if n.tag not in IMPLIED_END]
        if unclosed:
            names = ", ".join(f"{n.describe()} (output line {n.line})" for n in unclosed)
            self.errors.append(f"Not closed at the end of the document: {names}.")


def parse(markup: str) -> tuple[Node, str, list[str]]:
    """(root node, CSS text, errors). Markup nested more than MAX_DEPTH deep is an error
    (and an empty tree)."""
    parser = _Parser()
    try:
        parser.feed(markup)
    except _TooDeep as error:
        return Node("root", {}, None, 1), "", [str(error)]
    parser.close()
    return parser.root, "\n".join(parser.css), parser.errors
