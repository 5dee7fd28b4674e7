"""A small layout engine for shop documents: markup in, PDF drawing out.

A shop's template (Django template language) renders to a small subset of HTML and CSS;
the engine parses it into a tree (`markup`), computes each element's style (`style`,
`stylesheet`), builds boxes from the tree (`build`: `text`, `tables`, `barcode` on the box
model of `boxes`) and places them on labels or pages, drawing straight on a reportlab
canvas (several times faster than reportlab's own flowables; it is what makes 1,000 labels
a few seconds). Only what labels and packing lists need is supported, and anything else is
an error with a readable message rather than silently ignored, so that a shop admin sees
at once why the preview does not look like a browser would show it.

Elements
    blocks      div section header footer main article, p h1-h6, hr
    tables      table thead tbody tfoot tr td th (colspan; no rowspan)
    inline      b strong i em u small span br
    barcode     <barcode sscc="..." [module="0.508mm"] [height="32mm"] [hri="yes|no"]>:
                a GS1-128 barcode of AI (00) + SSCC
    ignored     html head body title meta; <style> holds the CSS

CSS (in <style> and style="..."): selectors tag, .class, tag.class, *, descendant (a b)
and child (a > b) combinators; the properties `style.apply_declaration` knows; units pt px
mm cm in em %. `@page { margin: ... }` sets the page margins. `margin-top: auto` on a
top-level block of a label pushes it (and what follows) to the bottom of the label.

Layout: blocks stack top to bottom, text wraps at spaces, tables size their columns from
widths given in CSS or from their content, and the packing list breaks across pages between
lines of text and between table rows (repeating the <thead> rows). Heights and widths are
in PDF points (1/72 in). `height` in CSS is the height of the border box (as with
`box-sizing: border-box`), and vertical margins do not collapse.
"""

from .boxes import Block, LayoutError
from .build import build_children, fit_label, paginate
from .fonts import register_fonts
from .markup import Node, parse
from .style import MM, Style
from .stylesheet import Stylesheet, style_tree, stylesheet_for

__all__ = [
    "MM",
    "Block",
    "LayoutError",
    "Node",
    "Style",
    "Stylesheet",
    "build_children",
    "fit_label",
    "paginate",
    "parse",
    "register_fonts",
    "style_tree",
    "stylesheet_for",
]
