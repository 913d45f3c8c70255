"""Writes the expected values pd-match's tests compare against.

Regenerate from the repository root with a private virtual environment:

    python3 -m venv /tmp/pd-venv
    /tmp/pd-venv/bin/pip install rapidfuzz regex
    /tmp/pd-venv/bin/python crates/pd-match/tests/data/generate.py

It writes two files next to this script:

- ``partial_ratio.json``: ``[needle, haystack, score]`` triples, the score as Python's
  ``rapidfuzz.fuzz.partial_ratio`` computes it (no cutoff).
- ``fixture_matches.json``: for every correspondent, document type, tag and storage path
  of the paperless-ngx 3.0.5 fixture export, the ids of the fixture's documents its rule
  matches, evaluated here with Python's ``re``, ``regex`` and ``rapidfuzz`` as the
  paperless-ngx documentation describes the algorithms.
"""

import json
import random
import re
import sys
from pathlib import Path

import regex
import rapidfuzz
from rapidfuzz import fuzz

HERE = Path(__file__).resolve().parent
MANIFEST = HERE.parents[3] / "fixtures" / "paperless-3.0.5" / "export-default" / "manifest.json"


def partial_ratio_cases():
    fixed = [
        ("springfield miss", "1220 main street springf eld miss"),
        ("springfield miss", "1220 main street springfeld miss"),
        ("springfield miss", "1220 main street springfield miss"),
        ("springfield miss", "1220 main street springfield mich"),
        ("", ""),
        ("a", ""),
        ("", "a"),
        ("abc", "abc"),
        ("abc", "xbcx"),
        ("bca", "abc"),
        ("abcd", "cdab"),
        ("this is a test", "this is a test!"),
        ("fuzzy wuzzy was a bear", "wuzzy fuzzy was a bear"),
        ("pinewod auto", "pinewood auto repair postfach 1020 80331 muenchen"),
        ("telecm plus", "telecom plus gmbh"),
        ("müller straße", "herr mueller musterstraße 5"),
        ("日本語", "これは日本語のテキストです"),
        ("insurence policy", "your insurance policy number"),
        ("a" * 70, "b" * 10 + "a" * 68 + "c" * 10),
    ]
    rng = random.Random(20240501)
    cases = list(fixed)
    for alphabet in ("ab", "abc ", "abcdefgh ", "aeiou xyz"):
        for _ in range(60):
            n = rng.randint(1, 20)
            m = rng.randint(0, 80)
            s1 = "".join(rng.choice(alphabet) for _ in range(n))
            s2 = "".join(rng.choice(alphabet) for _ in range(m))
            cases.append((s1, s2))
    # Needles longer than 64 characters (rapidfuzz takes another path for them).
    for _ in range(20):
        n = rng.randint(65, 120)
        s1 = "".join(rng.choice("abcdefgh ") for _ in range(n))
        s2 = "".join(rng.choice("abcdefgh ") for _ in range(rng.randint(n, 300)))
        cases.append((s1, s2))
    # Needles that occur in the haystack with a few edits, as fuzzy rules are used.
    words = "invoice account statement insurance policy contract rent meter reading".split()
    for _ in range(80):
        needle = " ".join(rng.choice(words) for _ in range(rng.randint(1, 3)))
        edited = list(needle)
        for _ in range(rng.randint(0, 3)):
            i = rng.randrange(len(edited))
            op = rng.choice("dis")
            if op == "d":
                del edited[i]
            elif op == "i":
                edited.insert(i, rng.choice("aeiorst"))
            else:
                edited[i] = rng.choice("aeiorst")
        filler = " ".join(rng.choice(words) for _ in range(rng.randint(0, 12)))
        cut = rng.randint(0, len(filler))
        cases.append((needle, filler[:cut] + "".join(edited) + filler[cut:]))
    return [[a, b, fuzz.partial_ratio(a, b)] for a, b in cases]


WORD_STRIP = re.compile(r"[^\w\s]")


def split_terms(pattern):
    terms = []
    for quoted, bare in re.findall(r'"([^"]+)"|(\S+)', pattern):
        term = re.sub(r"\s+", " ", (quoted or bare).strip())
        terms.append(re.escape(term).replace(r"\ ", r"\s+"))
    return terms


def rule_matches(rule, content):
    pattern = rule["match"]
    if not pattern.strip():
        return False
    flags = re.IGNORECASE if rule["is_insensitive"] else 0
    algorithm = rule["matching_algorithm"]
    if algorithm == 1:
        return any(re.search(rf"\b{t}\b", content, flags) for t in split_terms(pattern))
    if algorithm == 2:
        return all(re.search(rf"\b{t}\b", content, flags) for t in split_terms(pattern))
    if algorithm == 3:
        return bool(re.search(rf"\b{re.escape(pattern)}\b", content, flags))
    if algorithm == 4:
        try:
            return bool(regex.compile(pattern, flags).search(content, timeout=1.0))
        except regex.error:
            return False
    if algorithm == 5:
        needle = WORD_STRIP.sub("", pattern)
        text = WORD_STRIP.sub("", content)
        if rule["is_insensitive"]:
            needle, text = needle.lower(), text.lower()
        return bool(fuzz.partial_ratio(needle, text, score_cutoff=90))
    return False


def fixture_matches():
    manifest = json.loads(MANIFEST.read_text())
    documents = sorted(
        (o for o in manifest if o["model"] == "documents.document"), key=lambda o: o["pk"]
    )
    out = []
    for obj in manifest:
        if obj["model"] not in (
            "documents.correspondent",
            "documents.documenttype",
            "documents.tag",
            "documents.storagepath",
        ):
            continue
        rule = obj["fields"]
        out.append(
            {
                "model": obj["model"],
                "pk": obj["pk"],
                "name": rule["name"],
                "documents": [
                    d["pk"] for d in documents if rule_matches(rule, d["fields"]["content"] or "")
                ],
            }
        )
    out.sort(key=lambda o: (o["model"], o["pk"]))
    return out


def write(name, value):
    text = json.dumps(value, ensure_ascii=False, indent=1) + "\n"
    (HERE / name).write_text(text, encoding="utf-8")
    print(f"wrote {name}", file=sys.stderr)


if __name__ == "__main__":
    print(f"rapidfuzz {rapidfuzz.__version__}, regex {regex.__version__}", file=sys.stderr)
    write("partial_ratio.json", partial_ratio_cases())
    write("fixture_matches.json", fixture_matches())
