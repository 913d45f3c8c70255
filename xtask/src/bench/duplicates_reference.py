"""The reference for `cargo xtask bench duplicates`: paperless-ngx's fuzzy match algorithm
in Python with rapidfuzz, on one process. Every pair of documents with non-blank content,
both contents through utils.default_process, scored with fuzz.ratio and the threshold as
score cutoff, kept when the score reaches the threshold.

usage: python bench_reference.py CORPUS.json RATIO  ->  JSON on stdout
"""

import json
import sys
import time

from rapidfuzz import fuzz, utils


def main():
    path, threshold = sys.argv[1], float(sys.argv[2])
    with open(path, encoding="utf-8") as f:
        docs = sorted((d["id"], d["content"]) for d in json.load(f))
    start = time.perf_counter()
    found = []
    for i, (id_a, text_a) in enumerate(docs):
        if not text_a.strip():
            continue
        for id_b, text_b in docs[i + 1 :]:
            if not text_b.strip():
                continue
            score = fuzz.ratio(
                utils.default_process(text_a),
                utils.default_process(text_b),
                score_cutoff=threshold,
            )
            if score >= threshold:
                found.append((id_a, id_b, score))
    found.sort(key=lambda p: p[2], reverse=True)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "pairs": found}))


if __name__ == "__main__":
    main()
