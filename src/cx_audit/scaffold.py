"""`cx-audit init`: the files of a team's ruleset project.

    DIR/.cx-audit.yaml                  project config: the team ruleset is the default
    DIR/rules/team.yaml                 extends es; one example rule of each kind; an override
    DIR/rules/ruleset.schema.json       the JSON Schema, for editors' YAML support
    DIR/rules/fixtures/team/*.txt       annotated transcripts that prove each example rule

Fixture annotations (what `cx-audit rules test` checks): `# ruleid: RULE` on the line before a
turn where RULE must fail, `# ok: RULE` before a turn where it must not, and `# expect: RULE
fail|pass|n/a` at the top for rules judged on the whole conversation (require, metric).
"""

from __future__ import annotations

from pathlib import Path

CONFIG = """\
# cx-audit project config, found from the current folder upward. CX_AUDIT_* environment
# variables and command-line flags override it; `cx-audit config show` prints each value and
# where it comes from. Every key takes effect or is reported as an error (file:line:col).
rulesets: [rules/team.yaml]     # score's default -r (paths are relative to this file)
format: table                   # score's default -f: table, csv, json, jsonl, xlsx, markdown, html
redact: false                   # true: mask e-mails, phones, cards and ID numbers in reports
# pass_mark: 75                 # replaces every ruleset's pass_mark
# agent_labels: [Asesor]        # more speaker labels that mean the agent
# customer_labels: [Usuario]    # ... and the customer
# role_map: {spk_0: agent}      # speaker name -> role
"""

RULESET = """\
# yaml-language-server: $schema=ruleset.schema.json
# The team's ruleset: the built-in Spanish rules (es) plus the team's own. See docs/rules.md.
#   cx-audit rules validate rules/team.yaml    every problem as file:line:col
#   cx-audit rules test rules/team.yaml        the annotated transcripts in rules/fixtures/team/
#   cx-audit rules list -r rules/team.yaml     the merged rules
extends: es
id: team
name: Reglas del equipo
version: 1
description: Las reglas por defecto (es) y las normas propias del equipo.
# pass_mark: 75                 # inherited from es unless given

categories:                     # inherited categories may change here too: empathy: {weight: 4}
  house-rules: {weight: 2, name: "Normas del equipo"}

lists:                          # a list es already has (e.g. refusals) would grow, in every rule using it
  jargon: ["backoffice", "nivel dos", "sla", "ticket"]

overrides:                      # inherited rule id -> what changes; `cx-audit rules list -r es`
  greeting:
    add_phrases: ["acme, dígame"]     # the team's own greeting
  # flat-refusal: {severity: critical, add_unless: ["no hay ningún inconveniente"]}
  # quick-reply: {enabled: false}

rules:
  # require: a phrase must appear in scope (fixtures: verify-identity-*.txt)
  - id: verify-identity
    category: house-rules
    kind: require
    scope: {speaker: agent}
    phrases: ["número de cliente", "verificar su identidad", "su dni"]
    message: "No verificó la identidad del cliente."
    tip: "«Para ayudarle, ¿me confirma su número de cliente?»"
    source: "Guía interna del equipo: verificación de identidad"

  # forbid: a phrase must not appear in scope, unless inside an excuse (fixture: internal-jargon.txt)
  - id: internal-jargon
    category: house-rules
    kind: forbid
    phrases: ["@jargon"]
    unless: ["número de ticket"]
    severity: minor
    message: "El agente usó jerga interna."
    tip: "Explíquelo con palabras del cliente: «lo revisa un técnico»."
    source: "Guía interna del equipo: lenguaje claro"

  # respond: when the customer says a trigger, the agent must answer within 2 turns
  # (fixtures: retention-offer-*.txt)
  - id: retention-offer
    category: house-rules
    kind: respond
    trigger: {phrases: ["dar de baja", "darme de baja", "cancelar el contrato"]}
    phrases: ["oferta", "descuento", "antes de tramitar"]
    within: 2
    message: "El cliente pidió la baja y no se le ofreció nada antes de tramitarla."
    tip: "«Antes de tramitar la baja, tengo una oferta para usted…»"
    source: "Guía interna del equipo: retención"

  # repetition: the agent says the same script line a third time (fixture: scripted-repeats.txt)
  - id: scripted-repeats
    category: house-rules
    kind: repetition
    scope: {speaker: agent}
    threshold: 90
    times: 3
    min_words: 5
    message: "El agente repitió la misma frase de guion tres veces."
    tip: "Responda a lo que dice el cliente en lugar de repetir el guion."
    source: "Guía interna del equipo: guiones"

  # metric: a number against a bound (fixtures: long-monologue-*.txt)
  - id: long-monologue
    category: house-rules
    kind: metric
    metric: longest_agent_turn_words
    max: 120
    severity: minor
    message: "Un turno del agente pasó de 120 palabras."
    tip: "Divida la explicación y compruebe que el cliente le sigue."
    source: "Guía interna del equipo: turnos breves"
"""

_LONG = (
    "Le explico cómo funciona la nueva tarifa con todo detalle para que no le quede ninguna duda. "
    "La cuota mensual incluye la fibra, la línea móvil y las llamadas ilimitadas a fijos y móviles "
    "nacionales, y además durante los tres primeros meses tendrá un descuento sobre el precio "
    "habitual que se aplicará de forma automática en cada factura sin que tenga que hacer nada. "
    "Después de esos meses la cuota vuelve al precio normal, que es el que aparece en su contrato, "
    "y si en algún momento quiere cambiar de tarifa puede hacerlo desde el área de cliente o "
    "llamándonos a este mismo número, sin ningún coste adicional ni permanencia, porque esta "
    "tarifa no tiene compromiso de permanencia y puede darla de baja cuando quiera, aunque le "
    "recomiendo revisar antes las condiciones del router, que sí debe devolverse en una tienda "
    "o por mensajería en un plazo de treinta días desde la fecha en que termine el servicio."
)

FIXTURES: dict[str, str] = {
    "verify-identity-fail.txt": """\
# expect: verify-identity fail
Agente: Buenos días, bienvenido a ACME, le atiende Laura. ¿En qué puedo ayudarle?
Cliente: Quiero cambiar mi tarifa.
Agente: Claro, le cambio la tarifa ahora mismo.
""",
    "verify-identity-pass.txt": """\
# expect: verify-identity pass
Agente: Buenos días, le atiende Laura. ¿Me confirma su número de cliente?
Cliente: Es el 4471.
Agente: Gracias, ya lo veo.
""",
    "internal-jargon.txt": """\
Agente: Buenos días, le atiende Laura.
Cliente: Mi avería sigue sin resolverse.
# ruleid: internal-jargon
Agente: Lo he pasado al backoffice de nivel dos.
Cliente: ¿Y eso qué significa?
# ok: internal-jargon
Agente: Que lo revisa un técnico; su número de ticket es el 5521.
""",
    "retention-offer-fail.txt": """\
Agente: Buenos días, le atiende Laura.
# ruleid: retention-offer
Cliente: Quiero darme de baja.
Agente: De acuerdo, tramito la baja.
Cliente: Gracias.
""",
    "retention-offer-pass.txt": """\
Agente: Buenos días, le atiende Laura.
# ok: retention-offer
Cliente: Quiero darme de baja.
Agente: Antes de tramitar la baja, tengo una oferta con un descuento para usted.
""",
    "scripted-repeats.txt": """\
Agente: Buenos días, le atiende Laura.
Cliente: No me funciona internet desde ayer.
Agente: Le recomiendo reiniciar el router y esperar unos minutos.
Cliente: Ya lo he reiniciado dos veces.
# ok: scripted-repeats
Agente: Le recomiendo reiniciar el router y esperar unos minutos, por favor.
Cliente: Le digo que ya lo he hecho.
# ruleid: scripted-repeats
Agente: Le recomiendo reiniciar el router y esperar unos minutos.
""",
    "long-monologue-fail.txt": f"""\
# expect: long-monologue fail
Agente: Buenos días, le atiende Laura.
Cliente: ¿Cómo es la tarifa nueva?
Agente: {_LONG}
Cliente: Entendido.
""",
    "long-monologue-pass.txt": """\
# expect: long-monologue pass
Agente: Buenos días, le atiende Laura.
Cliente: ¿Cómo es la tarifa nueva?
Agente: Incluye fibra y móvil, con un descuento los tres primeros meses. ¿Le cuento el precio?
Cliente: Sí, por favor.
""",
}


def scaffold_files() -> dict[str, str]:
    """Relative path -> text of every file `cx-audit init` writes."""
    from cx_audit.ruleset.schema import shipped_schema_text

    files = {
        ".cx-audit.yaml": CONFIG,
        "rules/team.yaml": RULESET,
        "rules/ruleset.schema.json": shipped_schema_text(),
    }
    files.update({f"rules/fixtures/team/{name}": text for name, text in FIXTURES.items()})
    return files


def write_scaffold(folder: Path, force: bool = False) -> list[Path]:
    """Write the scaffold into `folder`; existing files are an error unless `force`."""
    from cx_audit.errors import CxAuditError

    files = scaffold_files()
    existing = [folder / rel for rel in files if (folder / rel).exists()]
    if existing and not force:
        names = ", ".join(str(p) for p in existing)
        raise CxAuditError(f"init: {names} already exist{'s' if len(existing) == 1 else ''}; nothing written (--force overwrites)")
    written = []
    for rel, text in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
