"""Generate a realistic synthetic corpus of customer-service conversations for the benchmark.

    python bench/generate.py -n 20000 --lang es --out bench/data/es-20k

writes `es-20k.jsonl` (one conversation per line, with a "turns" list) and `es-20k.csv` (long
format: one row per turn) holding the same conversations.

What makes it realistic enough to benchmark with:
- 30 turns per conversation (agent and customer alternating, sometimes two in a row), 8-25
  words a turn, timed like a call (start/end seconds, a few overlaps and long silences);
- filler sentences with accents, punctuation and numbers; half the conversations are "voice"
  (ASR output: lower case, no punctuation, typos) and half "chat" (typed, punctuated);
- the phrases of the ruleset's rules planted at realistic rates: the greeting, the agent's name
  and the closing in most conversations, a refusal in about one in eight, a complaint in one
  in five (answered with empathy two times in three), legal threats and supervisor requests
  rarely, and so on (see RATES);
- speech-recognition-style typos (b/v, s/z/c, ll/y, a dropped h or letter, doubled or swapped
  letters, two words run together) in about 3% of words of voice conversations.

Deterministic for a given --seed. Needs only the standard library and cx_audit (for the rules).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

from cx_audit.ruleset import load_ruleset  # noqa: E402

TURNS = 30

# Probability that a conversation contains a rule's phrase (require / forbid) or its trigger
# (respond); for respond rules, RESPONSE_RATE is the chance the expected answer follows.
RATES = {"require": 0.85, "forbid": 0.05, "respond": 0.14, "repetition": 0.06}
RESPONSE_RATE = {"present": 0.65, "absent": 0.25}
TYPO_RATE = 0.03

FILLER = {
    "es": {
        "agent": [
            "Déjeme un momento que consulto su expediente en el sistema.",
            "Veo aquí que el pedido número {num} salió del almacén el día {day}.",
            "¿Me confirma su DNI o el número de cliente, por favor?",
            "Perfecto, ya tengo sus datos en pantalla.",
            "La factura de este mes es de {amount} euros, con el IVA incluido.",
            "El técnico tiene que revisar la instalación del router.",
            "Le comento que la tarifa incluye llamadas ilimitadas y {gb} gigas.",
            "Según el sistema, el envío está en reparto en su zona.",
            "La devolución se gestiona desde la aplicación, en el apartado de pedidos.",
            "¿Podría decirme la dirección completa de envío?",
            "Estoy revisando el historial de incidencias de su línea.",
            "Hay una avería general en la zona de {city} desde esta mañana.",
            "El cargo corresponde a la cuota de mantenimiento anual.",
            "Ahora mismo le leo las condiciones de la promoción.",
            "Sí, efectivamente, aparece un segundo cargo de {amount} euros.",
            "Vale, anoto que el paquete llegó dañado.",
            "Un segundo, que el sistema va un poco lento hoy.",
            "El número de seguimiento es el {num}.",
            "¿Ha probado a reiniciar el equipo desde el botón trasero?",
            "De acuerdo, lo dejo reflejado en las observaciones.",
        ],
        "customer": [
            "Hola, llamo porque el pedido {num} todavía no ha llegado.",
            "Me han cobrado {amount} euros y no sé por qué.",
            "El internet se corta cada media hora desde el {day}.",
            "Sí, mi DNI es {dni}.",
            "Vivo en la calle Mayor {small}, tercero B, en {city}.",
            "Pues la verdad es que necesito el móvil para trabajar.",
            "Ya reinicié el router dos veces y sigue igual.",
            "¿Y eso cuánto me va a costar?",
            "Vale, entendido, pero quiero saber qué pasa con mi dinero.",
            "El paquete venía abierto y faltaba una pieza.",
            "Quería darme de baja de la tarifa de fibra.",
            "No me ha llegado ningún correo de confirmación.",
            "Es la primera vez que me pasa algo así con ustedes.",
            "Bueno, vale, espero.",
            "¿Me lo puede enviar por correo electrónico?",
            "La aplicación me da un error al entrar.",
            "Sí, es el número que tienen registrado.",
            "Mi hija es la titular del contrato, yo soy su madre.",
            "Lo compré en la tienda de {city} el mes pasado.",
            "Vale, gracias.",
        ],
    },
    "en": {
        "agent": [
            "Let me pull up your account, it will only take a moment.",
            "I can see order number {num} left the warehouse on the {day}th.",
            "Could you confirm the account holder's full name, please?",
            "Perfect, I have your details on screen now.",
            "This month's bill comes to {amount} dollars including taxes.",
            "A technician needs to check the router installation.",
            "Your plan includes unlimited calls and {gb} gigabytes of data.",
            "According to the system, the parcel is out for delivery in your area.",
            "Returns are handled from the app, in the orders section.",
            "Could you tell me the full shipping address?",
            "I'm going through the incident history on your line.",
            "There's a general outage in the {city} area since this morning.",
            "That charge is the yearly maintenance fee.",
            "I'll read you the terms of the promotion right now.",
            "Yes, I do see a second charge of {amount} dollars.",
            "Okay, I'm noting that the package arrived damaged.",
            "One second, the system is a bit slow today.",
            "The tracking number is {num}.",
            "Have you tried restarting it with the button on the back?",
            "All right, I'll add that to the notes.",
        ],
        "customer": [
            "Hi, I'm calling because order {num} still hasn't arrived.",
            "I was charged {amount} dollars and I don't know why.",
            "The internet drops every half hour since the {day}th.",
            "Yes, my account number is {dni}.",
            "I live at {small} Main Street, apartment 3B, in {city}.",
            "Honestly I need the phone for work.",
            "I already restarted the router twice and nothing changed.",
            "And how much is that going to cost me?",
            "Okay, got it, but I want to know what happens with my money.",
            "The box was open and a part was missing.",
            "I wanted to cancel my fiber plan.",
            "I never got a confirmation email.",
            "It's the first time this happens to me with you.",
            "Well, okay, I'll wait.",
            "Can you send it to me by email?",
            "The app gives me an error when I log in.",
            "Yes, that's the number you have on file.",
            "My daughter is the account holder, I'm her mother.",
            "I bought it at the {city} store last month.",
            "Okay, thanks.",
        ],
    },
}
CITIES = {"es": ["Sevilla", "Málaga", "Córdoba", "León", "Cádiz", "Bogotá", "México", "Logroño"],
          "en": ["Boston", "Denver", "Leeds", "Austin", "Dublin", "Toronto", "Perth", "Omaha"]}
AGENTS = ["Laura", "Javier", "María", "Andrés", "Lucía", "Sofía", "Diego", "Nuria", "Pablo", "Elena"]
TEAMS = ["billing", "tech", "retention", "sales"]
WRAP = {
    "es": [("", "."), ("Mire, ", "."), ("Bueno, ", "."), ("", ", ¿vale?"), ("Pues ", "."), ("Vale, ", ", de verdad."), ("", " ahora mismo.")],
    "en": [("", "."), ("Look, ", "."), ("Well, ", "."), ("", ", okay?"), ("So ", "."), ("Okay, ", ", really."), ("", " right now.")],
}
# ASR confusions: (from, to) substitutions that sound alike.
SOUND_ALIKE = {"es": [("b", "v"), ("v", "b"), ("ll", "y"), ("y", "ll"), ("z", "s"), ("ce", "se"), ("ci", "si"), ("h", ""), ("qu", "k")],
               "en": [("ph", "f"), ("c", "k"), ("ee", "ea"), ("th", "d"), ("er", "a"), ("ou", "o")]}


def fill(template: str, rng: random.Random, lang: str) -> str:
    return template.format(
        num=rng.randint(100000, 999999), day=rng.randint(1, 28), amount=f"{rng.randint(5, 300)},{rng.randint(0, 99):02d}"
        if lang == "es" else f"{rng.randint(5, 300)}.{rng.randint(0, 99):02d}",
        gb=rng.choice([10, 20, 50, 100]), city=rng.choice(CITIES[lang]), dni=f"{rng.randint(10000000, 99999999)}X",
        small=rng.randint(1, 120),
    )


class Pool:
    """Filled-in filler sentences drawn in advance (filling a template per turn is the slow part)."""

    def __init__(self, rng: random.Random, lang: str, size: int = 3000):
        self.sentences = {role: [fill(rng.choice(FILLER[lang][role]), rng, lang) for _ in range(size)] for role in ("agent", "customer")}


def typo(word: str, rng: random.Random, lang: str) -> str:
    roll = rng.random()
    if roll < 0.45:
        for a, b in rng.sample(SOUND_ALIKE[lang], len(SOUND_ALIKE[lang])):
            if a in word:
                return word.replace(a, b, 1)
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word) - 1)
    if roll < 0.65:
        return word[:i] + word[i + 1 :]  # dropped letter
    if roll < 0.8:
        return word[:i] + word[i] + word[i:]  # doubled letter
    if roll < 0.92:
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]  # swapped letters
    return word + "\x00"  # marker: run into the next word


def asr(text: str, rng: random.Random, lang: str) -> str:
    """Voice transcript style: lower case, no punctuation, a few sound-alike typos."""
    words = [w.strip(".,;:¿?¡!\"'()") for w in text.lower().split()]
    out = []
    for w in words:
        if not w:
            continue
        if rng.random() < TYPO_RATE:
            w = typo(w, rng, lang)
        out.append(w)
    return " ".join(out).replace("\x00 ", "").replace("\x00", "")  # a last word runs into nothing


class Planter:
    """What each rule of a ruleset plants, chosen once from the ruleset."""

    def __init__(self, lang: str):
        self.lang = lang
        self.rules = [r for r in load_ruleset(lang).rules if r.enabled]

    def plan(self, rng: random.Random, roles: list[str]) -> dict[int, list[str]]:
        """Phrases to put into each turn index."""
        plants: dict[int, list[str]] = {}

        def turns_of(speakers, first=None, last=None):
            idx = [i for i, r in enumerate(roles) if r in speakers]
            if first:
                idx = idx[:first]
            if last:
                idx = idx[-last:]
            return idx

        for rule in self.rules:
            kind = rule.kind
            if kind == "require" and rule.phrases and rng.random() < RATES["require"]:
                where = turns_of(rule.scope.speakers, rule.scope.first_turns, rule.scope.last_turns)
                if where:
                    plants.setdefault(rng.choice(where), []).append(rng.choice(rule.phrases))
            elif kind == "forbid" and rule.phrases and rng.random() < RATES["forbid"]:
                where = turns_of(rule.scope.speakers)
                if where:
                    plants.setdefault(rng.choice(where), []).append(rng.choice(rule.phrases))
            elif kind == "respond" and rule.trigger and rule.trigger.phrases and rng.random() < RATES["respond"]:
                where = turns_of(rule.trigger.speakers)[:-2]
                if not where:
                    continue
                at = rng.choice(where)
                plants.setdefault(at, []).append(rng.choice(rule.trigger.phrases))
                if rule.phrases and rng.random() < RESPONSE_RATE[rule.expect]:
                    after = [i for i in turns_of(rule.scope.speakers) if at <= i <= at + rule.within]
                    if after:
                        plants.setdefault(rng.choice(after), []).append(rng.choice(rule.phrases))
        return plants


def conversation(rng: random.Random, lang: str, planter: Planter, pool: Pool, number: int) -> dict:
    voice = rng.random() < 0.5
    roles = ["agent"]
    while len(roles) < TURNS:
        last = roles[-1]
        roles.append(last if rng.random() < 0.1 else ("customer" if last == "agent" else "agent"))
    plants = planter.plan(rng, roles)
    repeat_request = rng.random() < RATES["repetition"]
    agent = rng.choice(AGENTS)
    turns = []
    clock = 0.0
    first_customer_text = None
    for i, role in enumerate(roles):
        pieces = [rng.choice(pool.sentences[role])]
        if rng.random() < 0.5:
            pieces.append(rng.choice(pool.sentences[role]))
        for phrase in plants.get(i, []):
            before, after = rng.choice(WRAP[lang])
            pieces.insert(rng.randrange(len(pieces) + 1), f"{before}{phrase}{after}")
        text = " ".join(pieces)
        if role == "customer":
            if first_customer_text is None and len(text.split()) >= 6:
                first_customer_text = text
            elif repeat_request and first_customer_text and i > TURNS // 2:
                text, repeat_request = first_customer_text, False
        text = asr(text, rng, lang) if voice else text
        words = len(text.split())
        duration = round(words / rng.uniform(2.0, 3.2), 2)
        roll = rng.random()  # mostly a short pause; sometimes an overlap or a long silence
        gap = rng.uniform(0.2, 1.5) if roll < 0.93 else rng.uniform(-1.5, 0.0) if roll < 0.98 else rng.uniform(5, 25)
        start = round(max(0.0, clock + gap), 2)
        clock = start + duration
        turns.append({"speaker": role, "text": text, "start": start, "end": round(clock, 2)})
    return {
        "conversation_id": f"{lang}-{number:08d}",
        "agent": agent,
        "team": rng.choice(TEAMS),
        "channel": "voice" if voice else "chat",
        "language": lang,
        "date": f"2026-0{rng.randint(1, 6)}-{rng.randint(10, 28)}",
        "turns": turns,
    }


CSV_COLUMNS = ["conversation_id", "turn", "speaker", "text", "start", "end", "agent", "team", "channel", "language", "date"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--conversations", type=int, default=20000)
    parser.add_argument("--lang", choices=["es", "en", "mix"], default="es", help="mix: three in four Spanish")
    parser.add_argument("--out", default="bench/data/corpus", help="path prefix; .jsonl and .csv are appended")
    parser.add_argument("--formats", default="jsonl,csv")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    planters = {lang: Planter(lang) for lang in ("es", "en") if args.lang in (lang, "mix")}
    pools = {lang: Pool(rng, lang) for lang in planters}
    formats = set(args.formats.split(","))
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    jsonl = open(args.out + ".jsonl", "w", encoding="utf-8") if "jsonl" in formats else None
    table = open(args.out + ".csv", "w", encoding="utf-8", newline="") if "csv" in formats else None
    writer = csv.writer(table, lineterminator="\n") if table else None
    if writer:
        writer.writerow(CSV_COLUMNS)
    for n in range(args.conversations):
        lang = args.lang if args.lang != "mix" else ("es" if rng.random() < 0.75 else "en")
        conv = conversation(rng, lang, planters[lang], pools[lang], n)
        if jsonl:
            jsonl.write(json.dumps(conv, ensure_ascii=False) + "\n")
        if writer:
            meta = [conv["agent"], conv["team"], conv["channel"], conv["language"], conv["date"]]
            for k, t in enumerate(conv["turns"], start=1):
                writer.writerow([conv["conversation_id"], k, t["speaker"], t["text"], t["start"], t["end"], *meta])
    for handle in (jsonl, table):
        if handle:
            handle.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
