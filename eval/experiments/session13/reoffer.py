"""Experiment, not part of cx-audit: does "offered again after the customer said no" separate
empathy (and listening) failures by shape alone?

    .venv/bin/python eval/experiments/session13/reoffer.py eval eval/holdout … (read sets only)

A call is marked when an agent turn shares a content word (four letters or more, not a stop word,
compared on its first six letters) with the customer's next turn, that customer turn holds a
negation, and the agent's following turn repeats the word again: "¿puede ir a la sucursal?" /
"no puedo ir a la sucursal" / "en la sucursal se lo resuelven". For each category it prints the
marked calls by label and by the tool's verdict; the calls that matter are those the tool passes.
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # eval/experiments
from read_sets import labelled, read_sets_and_scorer  # noqa: E402

STOP = set("""that this with have from your they what when will would there their about which been were them then than just
like some into only also more very could should here where need want know think really please thanks thank hello okay yeah
because still again already same sure right well going cannot dont didnt doesnt isnt wasnt youre thats youve
para pero como esta este esto estos estas esos esas porque cuando donde tiene tengo tenia hace hacer puede puedo pueden quiero
quiere necesito sobre desde hasta entre todo toda todos todas nada algo otra otro otros mismo misma tambien ahora bien pues
entonces gracias hola vale bueno claro favor senor senora usted ustedes ellos ella nosotros dice dijo decir solo sola
mucho mucha poco cual cuales quien quienes aqui alli fueron sido estar estoy estaba estamos eres sean sigue sigo siguen""".split())
NEGATION = re.compile(r"(\b(no|not|never|nunca|ni|cannot|tampoco)\b|n[’']t\b)")


def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text.lower()) if unicodedata.category(c) != "Mn")


def content_words(text: str) -> set[str]:
    return {w[:6] for w in re.findall(r"[a-zñ]{4,}", fold(text)) if w not in STOP}


def offered_again(turns) -> bool:
    for i in range(len(turns) - 2):
        if turns[i].role != "agent" or turns[i + 1].role != "customer" or not NEGATION.search(fold(turns[i + 1].text)):
            continue
        refused = content_words(turns[i].text) & content_words(turns[i + 1].text)
        following = next((t for t in turns[i + 2:] if t.role == "agent"), None)
        if refused and following is not None and refused & content_words(following.text):
            return True
    return False


def main() -> None:
    sets, scorer = read_sets_and_scorer(__doc__)
    counts: dict[str, Counter] = {"empathy": Counter(), "listening": Counter()}
    for folder in sets:
        for transcript, labels in labelled(folder):
            if not offered_again(transcript.turns):
                continue
            result = scorer.score(transcript)[0]
            for category, counter in counts.items():
                if labels.get(category) in ("pass", "fail"):
                    tool = "pass" if result.categories[category].passed else "fail"
                    counter[(labels[category], tool)] += 1
    print("category\tlabel fail, tool pass\tlabel pass, tool pass\tlabel fail, tool fail\tlabel pass, tool fail")
    for category, c in counts.items():
        print(f"{category}\t{c[('fail', 'pass')]}\t{c[('pass', 'pass')]}\t{c[('fail', 'fail')]}\t{c[('pass', 'fail')]}")


if __name__ == "__main__":
    main()
