"""paperless-ngx's classifier approach on a labelled corpus, for `cargo xtask bench
classifier`: its pre-processing, CountVectorizer(ngram_range=(1, 2), min_df=0.01) and one
MLPClassifier(tol=0.01) per target (MultiLabelBinarizer for several tags, LabelBinarizer
for one), trained on the training part and scored on the held-out part.

usage: python bench_classifier_reference.py CORPUS.json  (prints one JSON object)
"""

import json
import re
import resource
import sys
import time

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import LabelBinarizer, MultiLabelBinarizer


def preprocess(content):
    return " ".join(re.findall(r"\b\w+\b", content.lower()))


def peak_rss_kb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main():
    corpus = json.load(open(sys.argv[1]))
    train = [d for d in corpus if not d["test"]]
    test = [d for d in corpus if d["test"]]
    label = lambda v: -1 if v is None else v
    rss_before = peak_rss_kb()

    start = time.perf_counter()
    vectorizer = CountVectorizer(analyzer="word", ngram_range=(1, 2), min_df=0.01)
    x = vectorizer.fit_transform(preprocess(d["content"]) for d in train)
    models = {}
    for target in ("correspondent", "document_type", "storage_path"):
        y = [label(d[target]) for d in train]
        if len(set(y) | {-1}) - 1 > 0:
            models[target] = MLPClassifier(tol=0.01).fit(x, y)
    tag_sets = [sorted(d["tags"]) for d in train]
    all_tags = sorted({t for s in tag_sets for t in s})
    tags_model = binarizer = None
    if len(all_tags) == 1:
        binarizer = LabelBinarizer()
        y = binarizer.fit_transform([s[0] if s else -1 for s in tag_sets])
        tags_model = MLPClassifier(tol=0.01).fit(x, y.ravel())
    elif all_tags:
        binarizer = MultiLabelBinarizer()
        y = binarizer.fit_transform(tag_sets)
        tags_model = MLPClassifier(tol=0.01).fit(x, y)
    train_seconds = time.perf_counter() - start

    start = time.perf_counter()
    xt = vectorizer.transform(preprocess(d["content"]) for d in test)
    predicted = {t: m.predict(xt) for t, m in models.items()}
    if tags_model is not None:
        raw = tags_model.predict(xt)
        if len(all_tags) == 1:
            tag_predictions = [[all_tags[0]] if v == 1 else [] for v in raw]
        else:
            tag_predictions = [sorted(int(t) for t in ts) for ts in binarizer.inverse_transform(raw)]
    else:
        tag_predictions = [[] for _ in test]
    predict_seconds = time.perf_counter() - start

    n = max(len(test), 1)
    accuracy = {}
    for target in ("correspondent", "document_type", "storage_path"):
        got = predicted.get(target, np.full(len(test), -1))
        accuracy[target] = sum(int(g) == label(d[target]) for g, d in zip(got, test)) / n
    tp = fp = fn = exact = 0
    for got, d in zip(tag_predictions, test):
        truth = sorted(d["tags"])
        exact += got == truth
        tp += sum(t in truth for t in got)
        fp += sum(t not in truth for t in got)
        fn += sum(t not in got for t in truth)
    accuracy["tags_exact"] = exact / n
    accuracy["tags_f1"] = 2 * tp / max(2 * tp + fp + fn, 1)
    print(json.dumps({
        "train_documents": len(train),
        "test_documents": len(test),
        "features": len(vectorizer.vocabulary_),
        "train_seconds": train_seconds,
        "predict_seconds": predict_seconds,
        "peak_rss_kb": peak_rss_kb(),
        "rss_before_training_kb": rss_before,
        "accuracy": accuracy,
    }))


if __name__ == "__main__":
    main()
