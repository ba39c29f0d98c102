"""CSS selectors answered from an index of the tree: one pass over the page, then look-ups.

lxml's CSSSelector compiles to XPath that tests every selector on every element:
the 41 prune selectors of the WordPress profile cost 2.5 ms on a 200-element page,
and a page is asked some 150 selectors. `IndexedTree` walks the tree once, files
the elements by id, class and tag, and answers a selector from the elements
filed under its rightmost id, class or tag. Selectors it cannot answer this way
(pseudo-classes, sibling combinators, namespaces) go to lxml's CSSSelector, so
every selector keeps CSS's meaning; tests compare the two on real pages.

An index describes the tree as it was when built: build it after the last change
that matters (script stripping), and do not use it after removing elements.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from cssselect import parse
from cssselect.parser import Attrib, Class, CombinedSelector, Element, Hash
from lxml.cssselect import CSSSelector

if TYPE_CHECKING:
    from lxml.html import HtmlElement

__all__ = ["IndexedTree", "compiled_xpath"]


def _attribute_test(operator: str, wanted: str | None) -> Callable[[str | None], bool] | None:
    if operator == "exists":
        return lambda value: value is not None
    if wanted is None:
        return None
    tests: dict[str, Callable[[str], bool]] = {
        "=": lambda value: value == wanted,
        "~=": lambda value: bool(wanted) and " " not in wanted and wanted in value.split(),
        "^=": lambda value: bool(wanted) and value.startswith(wanted),
        "$=": lambda value: bool(wanted) and value.endswith(wanted),
        "*=": lambda value: bool(wanted) and wanted in value,
        "|=": lambda value: value == wanted or value.startswith(wanted + "-"),
        "!=": lambda value: value != wanted,
    }
    test = tests.get(operator)
    if test is None:
        return None
    if operator == "!=":
        return lambda value: value is None or test(value)
    return lambda value: value is not None and test(value)


_NO_CLASSES: frozenset[str] = frozenset()


@dataclass(frozen=True)
class _Compound:
    """One compound selector (`a.share#x[rel~='tag']`): a tag, an id, classes, attribute tests."""

    tag: str | None
    id: str | None
    classes: frozenset[str]
    attributes: tuple[tuple[str, Callable[[str | None], bool]], ...]

    def matches(self, element: HtmlElement, classes: dict[HtmlElement, frozenset[str]]) -> bool:
        if self.tag is not None and element.tag != self.tag:
            return False
        if self.id is not None and element.get("id") != self.id:
            return False
        if self.classes and not self.classes <= classes.get(element, _NO_CLASSES):
            return False
        return all(test(element.get(name)) for name, test in self.attributes)


@dataclass(frozen=True)
class _Chain:
    """Compounds joined by descendant (' ') or child ('>') combinators, leftmost first."""

    compounds: tuple[_Compound, ...]
    combinators: tuple[str, ...]

    def matches(
        self, element: HtmlElement, classes: dict[HtmlElement, frozenset[str]], last: int | None = None
    ) -> bool:
        i = len(self.compounds) - 1 if last is None else last
        if not self.compounds[i].matches(element, classes):
            return False
        if i == 0:
            return True
        if self.combinators[i - 1] == ">":
            parent = element.getparent()
            return parent is not None and self.matches(parent, classes, i - 1)
        return any(self.matches(ancestor, classes, i - 1) for ancestor in element.iterancestors())


def _compound(node: object) -> _Compound | None:
    tag = id_ = None
    classes: set[str] = set()
    attributes = []
    while not isinstance(node, Element):
        if isinstance(node, Class):
            classes.add(node.class_name)
        elif isinstance(node, Hash):
            id_ = node.id
        elif isinstance(node, Attrib) and node.namespace is None:
            value = node.value.value if node.value is not None else None
            test = _attribute_test(node.operator, value)
            if test is None:
                return None
            attributes.append((node.attrib.lower(), test))
        else:  # pseudo-classes, negation, functions: left to lxml
            return None
        node = node.selector
    if node.namespace is not None:
        return None
    tag = node.element.lower() if node.element and node.element != "*" else None
    return _Compound(tag, id_, frozenset(classes), tuple(attributes))


@cache
def _chain(selector: str) -> _Chain | None:
    """The selector as a chain the index can answer, or None if it cannot."""
    parsed = parse(selector)
    if len(parsed) != 1 or parsed[0].pseudo_element is not None:
        return None
    node = parsed[0].parsed_tree
    compounds: list[_Compound] = []
    combinators: list[str] = []
    while isinstance(node, CombinedSelector):
        if node.combinator not in (" ", ">"):
            return None
        right = _compound(node.subselector)
        if right is None:
            return None
        compounds.insert(0, right)
        combinators.insert(0, node.combinator)
        node = node.selector
    first = _compound(node)
    if first is None:
        return None
    return _Chain((first, *compounds), tuple(combinators))


@cache
def compiled_xpath(selector: str) -> CSSSelector:
    return CSSSelector(selector)


class IndexedTree:
    """A tree's elements filed by id, class and tag, in document order."""

    def __init__(self, tree: HtmlElement) -> None:
        self.tree = tree
        self.order: dict[HtmlElement, int] = {}
        self.by_id: dict[str, list[HtmlElement]] = defaultdict(list)
        self.by_class: dict[str, list[HtmlElement]] = defaultdict(list)
        self.by_tag: dict[str, list[HtmlElement]] = defaultdict(list)
        self.by_attribute: dict[str, list[HtmlElement]] = defaultdict(list)
        self.classes: dict[HtmlElement, frozenset[str]] = {}
        for position, element in enumerate(tree.iter()):
            tag = element.tag
            if not isinstance(tag, str):  # comments, processing instructions
                continue
            self.order[element] = position
            self.by_tag[tag].append(element)
            for name, value in element.items():
                self.by_attribute[name].append(element)
                if name == "id":
                    self.by_id[value].append(element)
                elif name == "class":
                    self.classes[element] = words = frozenset(value.split())
                    for word in words:
                        self.by_class[word].append(element)

    def _candidates(self, compound: _Compound) -> list[HtmlElement]:
        """The fewest elements that can match: those filed under one of its parts."""
        groups = [self.by_class.get(name, []) for name in compound.classes]
        groups += [self.by_attribute.get(name, []) for name, _ in compound.attributes]
        if compound.id is not None:
            groups.append(self.by_id.get(compound.id, []))
        if compound.tag is not None:
            groups.append(self.by_tag.get(compound.tag, []))
        return min(groups, key=len) if groups else list(self.order)

    def _matches(self, selector: str) -> list[HtmlElement]:
        chain = _chain(selector)
        if chain is None:
            return compiled_xpath(selector)(self.tree)
        if any(not self._candidates(compound) for compound in chain.compounds[:-1]):
            return []  # an ancestor the chain needs is not on the page
        return [e for e in self._candidates(chain.compounds[-1]) if chain.matches(e, self.classes)]

    def select(self, selectors: tuple[str, ...]) -> list[HtmlElement]:
        """Elements matching any of `selectors`, in document order, without repeats."""
        found: dict[HtmlElement, None] = {}
        for selector in selectors:
            found.update(dict.fromkeys(self._matches(selector)))
        return sorted(found, key=lambda e: self.order.get(e, -1))

    def select_first(self, selectors: tuple[str, ...]) -> HtmlElement | None:
        """The first match of the most specific selector that matches."""
        for selector in selectors:
            matches = self._matches(selector)
            if matches:
                return min(matches, key=lambda e: self.order.get(e, -1))
        return None
