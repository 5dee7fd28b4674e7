"""Selectors and stylesheets: which rules apply to an element, and its computed style
(cached per template, so a batch of labels computes each distinct style once)."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import TypeAlias

from .markup import Node
from .style import (
    SIDES,
    UA_STYLES,
    Style,
    _box_values,
    apply_declaration,
    parse_declarations,
    parse_length,
)

# One compound selector of a chain: (combinator before it, tag or None, classes).
_Part: TypeAlias = tuple[str, str | None, frozenset[str]]
# An element and its ancestors, nearest first: (tag, classes) each.
Chain: TypeAlias = list[tuple[str, tuple[str, ...]]]
# What a computed style is cached under: the base ("base", font size) or a computed style's
# number, which stands for the element and every ancestor with their classes and styles.
StyleKey: TypeAlias = int | tuple[str, float]
_CacheKey: TypeAlias = tuple[StyleKey, str, tuple[str, ...], str]


@dataclass(frozen=True, slots=True)
class Selector:
    """A compound-selector chain: [(tag or None, classes), ...] with combinators."""

    parts: tuple[_Part, ...]
    specificity: tuple[int, int]  # (classes, tags)

    @classmethod
    def parse(cls, text: str) -> Selector:
        """The selector `text`; ValueError with a readable message."""
        tokens = text.replace(">", " > ").split()
        parts: list[_Part] = []
        combinator = " "
        classes_total = tags_total = 0
        for token in tokens:
            if token == ">":
                combinator = ">"
                continue
            match = re.fullmatch(r"(\*|[a-z][a-z0-9]*)?((?:\.[A-Za-z_][\w-]*)*)", token)
            if not match or not token:
                raise ValueError(
                    f"the selector {text.strip()!r} is not supported "
                    "(use tag, .class, tag.class, descendants 'a b' or children 'a > b')"
                )
            tag = match.group(1) if match.group(1) not in (None, "*") else None
            classes = frozenset(c for c in match.group(2).split(".") if c)
            parts.append((combinator, tag, classes))
            classes_total += len(classes)
            tags_total += tag is not None
            combinator = " "
        if not parts:
            raise ValueError("empty selector")
        return cls(tuple(parts), (classes_total, tags_total))

    @staticmethod
    def _matches(part: _Part, tag: str, classes: tuple[str, ...]) -> bool:
        _, want_tag, want_classes = part
        return (want_tag is None or want_tag == tag) and want_classes.issubset(classes)

    def matches(self, chain: Chain) -> bool:
        """`chain`: (tag, classes) from the element up to the root."""
        parts = self.parts
        if not self._matches(parts[-1], *chain[0]):
            return False
        position = 1
        for index in range(len(parts) - 2, -1, -1):
            combinator = parts[index + 1][0]
            if combinator == ">":
                if position >= len(chain) or not self._matches(parts[index], *chain[position]):
                    return False
                position += 1
            else:
                while position < len(chain) and not self._matches(parts[index], *chain[position]):
                    position += 1
                if position >= len(chain):
                    return False
                position += 1
        return True


class Stylesheet:
    """The rules of one template's CSS, with a cache of computed styles shared by every
    document rendered with it (a batch of labels computes each distinct style once)."""

    def __init__(self, css: str) -> None:
        self.errors: list[str] = []
        self.rules: list[tuple[tuple[int, int], int, Selector, list[tuple[str, str]]]] = []
        self.page: list[tuple[str, str]] = []
        self._cache: dict[_CacheKey, tuple[int, Style, tuple[str, ...]]] = {}
        self.chains: dict[StyleKey, Chain] = {}
        self._margins: dict[float, list[float]] = {}
        self._lock = threading.Lock()  # cache misses only: threads may share a stylesheet
        self._parse(css)

    def _parse(self, css: str) -> None:
        css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
        order = 0
        for match in re.finditer(r"([^{}]*)\{([^{}]*)\}", css):
            selectors, body = match.group(1).strip(), match.group(2)
            try:
                declarations = parse_declarations(body)
            except ValueError as error:
                self.errors.append(f"CSS for {selectors!r}: {error}.")
                continue
            if selectors.startswith("@page"):
                self.page.extend(declarations)
                continue
            if selectors.startswith("@"):
                self.errors.append(f"CSS: {selectors.split()[0]} is not supported.")
                continue
            for text in selectors.split(","):
                try:
                    selector = Selector.parse(text)
                except ValueError as error:
                    self.errors.append(f"CSS: {error}.")
                    continue
                self.rules.append((selector.specificity, order, selector, declarations))
                order += 1
        leftover = re.sub(r"([^{}]*)\{([^{}]*)\}", "", css).strip()
        if leftover:
            self.errors.append(f"CSS: cannot read {leftover[:60]!r} (a missing brace?).")
        self.rules.sort(key=lambda rule: (rule[0], rule[1]))

    def page_margins(self, default: float) -> list[float]:
        if default not in self._margins:
            self._margins[default] = self._page_margins(default)
        return self._margins[default]

    def _page_margins(self, default: float) -> list[float]:
        margins = [default] * 4
        for name, value in self.page:
            try:
                if name == "margin":
                    margins = _box_values(value.lower(), Style(), "margin")
                elif name.startswith("margin-") and name[7:] in SIDES:
                    margins[SIDES[name[7:]]] = parse_length(value)
                elif name != "size":
                    raise ValueError(f"{name} is not supported in @page (only margin)")
            except ValueError as error:
                self.errors.append(f"CSS @page: {error}.")
        return margins

    def compute(
        self, node: Node, parent_key: StyleKey, parent_style: Style, errors: list[str]
    ) -> tuple[int, Style]:
        """(key, style) of `node`, cached by parent, tag, classes and style attribute."""
        inline = node.attrs.get("style", "")
        cache_key = (parent_key, node.tag, node.classes, inline)
        hit = self._cache.get(cache_key)
        if hit is not None:
            errors.extend(hit[2])
            return hit[0], hit[1]
        with self._lock:
            return self._compute(node, cache_key, parent_key, parent_style, errors)

    def _compute(
        self,
        node: Node,
        cache_key: _CacheKey,
        parent_key: StyleKey,
        parent_style: Style,
        errors: list[str],
    ) -> tuple[int, Style]:
        hit = self._cache.get(cache_key)
        if hit is not None:
            errors.extend(hit[2])
            return hit[0], hit[1]
        inline = node.attrs.get("style", "")
        own_errors: list[str] = []
        style = parent_style.inherit()
        chain = [(node.tag, node.classes), *self.chains[parent_key]]
        declarations: list[tuple[str, str, str]] = []
        ua = UA_STYLES.get(node.tag)
        if ua:
            declarations += [(n, v, "built-in") for n, v in parse_declarations(ua)]
        for _spec, _order, selector, decls in self.rules:
            if selector.matches(chain):
                declarations += [(n, v, "CSS") for n, v in decls]
        if inline:
            try:
                declarations += [(n, v, "style") for n, v in parse_declarations(inline)]
            except ValueError as error:
                own_errors.append(f'{node.describe()} style="{inline}": {error}.')
        for name, value, origin in declarations:
            try:
                apply_declaration(style, name, value, parent_style.font_size)
            except ValueError as error:
                where = f'style="{inline}"' if origin == "style" else "CSS"
                own_errors.append(f"{node.describe()} {where}: {error}.")
        key = len(self.chains)
        self.chains[key] = chain
        self._cache[cache_key] = (key, style, tuple(own_errors))
        errors.extend(own_errors)
        return key, style


_STYLESHEETS: dict[str, Stylesheet] = {}


def stylesheet_for(css: str) -> Stylesheet:
    """Parsed stylesheets are cached by their text (a few templates per process)."""
    sheet = _STYLESHEETS.get(css)
    if sheet is None:
        if len(_STYLESHEETS) > 64:
            _STYLESHEETS.clear()
        sheet = _STYLESHEETS[css] = Stylesheet(css)
    return sheet


def style_tree(root: Node, sheet: Stylesheet, base: Style, errors: list[str]) -> None:
    """Compute `node.style` for every element below `root`, inheriting from `base`.

    The cache is keyed by the base's font size, the only property the renderer varies.
    """
    root_key: StyleKey = ("base", base.font_size)
    sheet.chains.setdefault(root_key, [])
    stack: list[tuple[Node, StyleKey, Style]] = [(root, root_key, base)]
    root.style = base
    while stack:
        node, key, style = stack.pop()
        for child in node.children:
            if isinstance(child, Node):
                child_key, child_style = sheet.compute(child, key, style, errors)
                child.style = child_style
                stack.append((child, child_key, child_style))
