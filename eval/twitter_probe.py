"""Turn IBM's Twitter customer-care conversations into transcripts cx-audit reads, as a probe of
how the English rules behave on real support agents' replies.

    git clone https://github.com/IBM/twitter-customer-care-document-prediction ibm-tw
    .venv/bin/python eval/twitter_probe.py ibm-tw/dev.json ibm-tw/test.json -o /tmp/tw
    .venv/bin/cx-audit score /tmp/tw -r en -f csv --details > tw-details.csv

The data (Apache-2.0) is not in this repository. Each conversation becomes a chat transcript:
the customers' tweets and the agents' replies in order, the agent's closing reply with a link
last, @handles removed. The conversations are unlabelled: the probe counts which rules fire and
lets a reader check the hits, which shows false alarms on wording nobody wrote for the rules.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys

HANDLE = re.compile(r"@\w+\s*")


def transcript(conversation: dict) -> str:
    lines = ["# channel: chat", "# language: en"]
    for tweet in conversation["dialogContent"]:
        text = HANDLE.sub("", tweet["message"]).replace("\n", " ").strip()
        if text:
            lines.append(f"{'Agent' if 'agent' in tweet else 'Customer'}: {text}")
    closing = conversation.get("agentURL", {}).get("url_utterance")
    if closing:
        lines.append("Agent: " + HANDLE.sub("", closing).replace("\n", " ").strip())
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", help="dev.json, test.json (or train.json) from the IBM repository")
    parser.add_argument("-o", "--out", required=True, help="folder to write one .txt transcript per conversation into")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    written = 0
    for path in args.files:
        stem = os.path.splitext(os.path.basename(path))[0]
        try:
            with open(path, encoding="utf-8") as fh:
                conversations = json.load(fh)
        except (OSError, ValueError) as err:
            print(f"error: {path}: {err}", file=sys.stderr)
            return 2
        for i, conversation in enumerate(conversations):
            try:
                company = conversation["dialogHeader"]["company"]
                text = transcript(conversation)
            except (KeyError, TypeError) as err:
                print(f"error: {path}#{i}: not a conversation record ({err})", file=sys.stderr)
                continue
            with open(os.path.join(args.out, f"{stem}-{i:04d}-{company}.txt"), "w", encoding="utf-8") as fh:
                fh.write(text)
            written += 1
    print(f"{written} transcripts written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
