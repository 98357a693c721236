"""Experiment, not part of cx-audit: would a learned reply classifier generalise where phrase rules do not?

    python3 -m venv /tmp/ml && /tmp/ml/bin/pip install scikit-learn
    /tmp/ml/bin/python eval/experiments/reply_classifier.py [eval/probes/*.tsv]

For each language and behaviour of the lexicons (eval/lexicon/), a logistic regression over
character 2-5-grams and word 1-2-grams of the agent's reply (accents and case folded) is trained
on labelled replies and scored on replies of other writers:

1. train on the first lexicons (en, es-a, es-b) and any PROBES files (same format), test on the
   later ones (en-f, es-c, es-d), written by other helpers: the cross-writer figure;
2. each behaviour's model on the later lexicons' *fine* replies of other behaviours: how often it
   would flag a reply that is not about its behaviour at all.

The model is told which behaviour a reply is about; the rules must also find that out. Every
writer is the same kind of model, so shared style may flatter the classifier. The figures and
what they suggest are in the README ("What version 6 changed").
"""

from __future__ import annotations

import collections
import os
import re
import sys
import unicodedata

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline, make_union

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lexicon")
FIRST = ("en.tsv", "es-a.tsv", "es-b.tsv")
LATER = ("en-f.tsv", "es-c.tsv", "es-d.tsv")


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c))


def read(path: str) -> list[dict]:
    language = os.path.basename(path).split("-")[0].split(".")[0]
    rows = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            fields = line.rstrip("\n").split("\t")
            if len(fields) == 5 and fields[2] in ("breach", "fine"):
                rows.append({"language": language, "behaviour": fields[1], "breach": fields[2] == "breach", "agent": fields[4]})
    return rows


def model(rows: list[dict]):
    features = make_union(TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
                          TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True))
    pipeline = make_pipeline(features, LogisticRegression(C=4, max_iter=2000, class_weight="balanced"))
    pipeline.fit([fold(r["agent"]) for r in rows], [r["breach"] for r in rows])
    return pipeline


def main() -> int:
    train = [r for name in FIRST for r in read(os.path.join(HERE, name))] + [r for p in sys.argv[1:] for r in read(p)]
    test = [r for name in LATER for r in read(os.path.join(HERE, name))]
    right: dict[tuple[str, str], list[int]] = collections.defaultdict(lambda: [0, 0])
    print("1. cross-writer: trained on the first lexicons, scored on the later ones")
    for language in ("en", "es"):
        for behaviour in sorted({r["behaviour"] for r in test if r["language"] == language}):
            rows = [r for r in train if r["language"] == language and r["behaviour"] == behaviour]
            cases = [r for r in test if r["language"] == language and r["behaviour"] == behaviour]
            if len({r["breach"] for r in rows}) < 2:
                continue
            guesses = model(rows).predict([fold(r["agent"]) for r in cases])
            ok = sum(int(g == r["breach"]) for g, r in zip(guesses, cases))
            for key in ((language, behaviour), (language, "all")):
                right[key][0] += ok
                right[key][1] += len(cases)
    for (language, behaviour), (ok, n) in sorted(right.items()):
        print(f"   {language} {behaviour:10} {ok}/{n} = {ok / n:.3f}")
    print("2. each model on fine replies of other behaviours (later lexicons)")
    for language in ("en", "es"):
        for behaviour in ("refusal", "wrong", "blame", "disown"):
            rows = [r for r in train if r["language"] == language and r["behaviour"] == behaviour]
            others = [r for r in test if r["language"] == language and r["behaviour"] != behaviour and not r["breach"]]
            if len({r["breach"] for r in rows}) < 2 or not others:
                continue
            flagged = int(sum(model(rows).predict([fold(r["agent"]) for r in others])))
            print(f"   {language} {behaviour:10} flags {flagged} of {len(others)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
