"""Parse texts with the trained model exactly as the Rasa server does (FallbackClassifier included).

Runs in Rasa's own environment, started by scripts/rasa_nlu_accuracy.py:
`.venv-rasa/bin/python scripts/rasa_parse.py MODEL TEXTS_JSON OUT_JSON`.
TEXTS_JSON holds a list of texts; OUT_JSON gets one parse per text, in order:
the intent acted on (``nlu_fallback`` when unsure), the model's best intent
before the fallback, its whole ranking, and the entities found. The model is loaded once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Any

from rasa.core.agent import Agent
from rasa.utils.common import configure_logging_and_warnings
from rasa.utils.log_utils import configure_structlog


def _summary(result: dict[str, Any]) -> dict[str, Any]:
    ranking = [r for r in result.get("intent_ranking", []) if r["name"] != "nlu_fallback"]
    top = ranking[0] if ranking else result["intent"]
    return {
        "text": result["text"],
        "intent": {
            "name": result["intent"]["name"],
            "confidence": round(float(result["intent"]["confidence"]), 4),
        },
        # The model's best guess before the fallback, with its confidence.
        "top": {"name": top["name"], "confidence": round(float(top["confidence"]), 4)},
        # DIET's ranking without the fallback (scripts/fallback_what_if.py
        # applies other thresholds to it).
        "ranking": [[r["name"], float(r["confidence"])] for r in ranking],
        "entities": [
            {"entity": e["entity"], "start": e["start"], "end": e["end"]}
            for e in result.get("entities", [])
        ],
    }


async def _parse_all(agent: Agent, texts: list[str]) -> list[dict[str, Any]]:
    return [_summary(await agent.parse_message(text)) for text in texts]


def main(model: str, texts_path: str, out_path: str) -> int:
    """Parse every text of a JSON list with the model and write the parses as JSON."""
    # Warnings only: at debug level Rasa logs every parsed text, and held-out
    # texts must not end up in a log that people read.
    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)
    texts = json.loads(Path(texts_path).read_text(encoding="utf-8"))
    parses = asyncio.run(_parse_all(Agent.load(model), texts))
    Path(out_path).write_text(json.dumps(parses, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
