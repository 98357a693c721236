"""How the built-in rulesets weigh a refusal in `saying-no` (version 11).

The labelling guidelines pass a refusal that explains its why and fail one whose only reason is
"the system" or "the policy". `decline-with-alternative` weighs 2, so a refusal with a real
reason passes the category even when what the agent offers is not in a known wording, and
`policy-as-reason` fails the refusal that only invokes the rule.
"""

from __future__ import annotations

import pytest

from cx_audit.config import project_rulesets
from cx_audit.model import Transcript, Turn
from cx_audit.pipeline import Scorer

CASES = {
    "es": (
        "Quiero devolver la chaqueta, la compré hace cinco semanas.",
        {
            "real reason": ("La devolución no es posible, porque pasado el mes la prenda ya no se puede "
                            "reponer en la temporada y su compra tiene cinco semanas.", True),
            "the rule only": ("La devolución no es posible. Son las condiciones.", False),
            "nothing": ("La devolución no es posible.", False),
            "reason and alternative": ("La devolución no es posible porque el plazo es de 30 días, pero lo "
                                       "que sí puedo hacer es darle un vale por el importe.", True),
        },
    ),
    "en": (
        "I'd like a refund for the jacket, I bought it five weeks ago.",
        {
            "real reason": ("A refund isn't possible, because after a month we can no longer restock the "
                            "item this season and your order is five weeks old.", True),
            "the rule only": ("A refund isn't possible. That's the policy.", False),
            "nothing": ("A refund isn't possible.", False),
            "reason and alternative": ("A refund isn't possible because the window is 30 days, but what I "
                                       "can do is give you store credit for the full amount.", True),
        },
    ),
}


@pytest.mark.parametrize("lang", sorted(CASES))
@pytest.mark.parametrize("case", ["real reason", "the rule only", "nothing", "reason and alternative"])
def test_a_refusal_passes_saying_no_on_its_reason_not_on_the_rule(lang, case):
    customer, replies = CASES[lang]
    reply, passes = replies[case]
    scorer = Scorer(project_rulesets([lang], lang_auto=False))
    result = scorer.score(Transcript("t", "t", [Turn("customer", customer), Turn("agent", reply)], language=lang))[0]
    failed = [o.rule for o in result.outcomes if o.category == "saying-no" and o.status == "fail"]
    assert result.categories["saying-no"].passed is passes, failed
    assert ("policy-as-reason" in failed) is (case == "the rule only")
