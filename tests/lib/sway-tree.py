#!/usr/bin/env python3
"""Geometry of a window in sway's tree, for the end-to-end tests.

  sway-tree.py TREE.json rect TITLE_REGEX  -> "X Y W H" of the content area
  sway-tree.py TREE.json title TITLE_REGEX -> the window's full title
  sway-tree.py TREE.json count TITLE_REGEX -> how many windows match

TREE.json is the output of `swaymsg -t get_tree`.
"""
import json
import re
import sys


def windows(node):
    if node.get("pid") is not None or node.get("app_id") is not None:
        yield node
    for child in node.get("nodes", []) + node.get("floating_nodes", []):
        yield from windows(child)


def main():
    tree = json.load(open(sys.argv[1]))
    what, pattern = sys.argv[2], re.compile(sys.argv[3])
    found = [w for w in windows(tree) if pattern.search(w.get("name") or "")]
    if what == "count":
        print(len(found))
        return 0
    if not found:
        return 1
    w = found[0]
    if what == "title":
        print(w["name"])
    elif what == "rect":
        r, c = w["rect"], w["window_rect"]
        print(r["x"] + c["x"], r["y"] + c["y"], c["width"], c["height"])
    else:
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
