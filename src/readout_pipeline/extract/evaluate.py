"""Gold annotations (tests/gold/*.json) against the extractor: per-field precision, recall, F1.

Gold files reference their source text in the shared reference material (`../shared` or
$READOUT_SHARED) by path (seeds) or by feed snapshot + item link (state.gov RSS); the text is rebuilt
exactly as the pipeline stores it (`clean_text` for .txt, `clean_html` for the item's body HTML).
Used by tests/test_extract_gold.py and bench/extract_speed.py.
"""

from __future__ import annotations

import json
import os
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from email.utils import parsedate_to_datetime
from functools import cache
from pathlib import Path

from defusedxml import ElementTree as ET

from ..clean import clean_html, clean_text
from . import Extraction

REPO = Path(__file__).resolve().parents[3]
GOLD_DIR = REPO / "tests" / "gold"
_CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"


def shared_dir() -> Path:
    return Path(os.environ.get("READOUT_SHARED") or REPO.parent / "shared")


@dataclass(frozen=True)
class GoldText:
    text: str
    title: str | None
    published_date: date | None


@cache
def _rss_items(path: Path) -> dict[str, tuple[str, str, str]]:
    root = ET.parse(path).getroot()
    out = {}
    for it in root.iter("item"):
        out[(it.findtext("link") or "").strip()] = (it.findtext("title") or "", it.findtext("pubDate") or "",
                                                    it.findtext(_CONTENT) or "")
    return out


def gold_text(gold: dict, shared: Path | None = None) -> GoldText:
    shared = shared or shared_dir()
    src = gold["source"]
    if src["kind"] == "seed":
        doc = clean_text((shared / src["path"]).read_text(encoding="utf-8"))
        return GoldText(doc.text, doc.title, None)
    rss = shared / src["corpus"] / "snapshots" / src["snapshot"] / "data.rss"
    title, pub, html = _rss_items(rss)[src["link"]]
    doc = clean_html(html)
    if doc is None:
        raise ValueError(f"no text for {src['link']}")
    return GoldText(doc.text, " ".join(title.split()), parsedate_to_datetime(pub).date())


def load_gold(gold_dir: Path = GOLD_DIR) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(gold_dir.glob("*.json"))]


def load_gold_docs(gold_dir: Path = GOLD_DIR, shared: Path | None = None) -> list[tuple[dict, GoldText]]:
    return [(g, gold_text(g, shared)) for g in load_gold(gold_dir)]


def norm_name(name: str) -> str:
    s = unicodedata.normalize("NFKD", name)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return " ".join(s.replace(".", " ").replace("’", "'").casefold().split())


class PRF:
    def __init__(self) -> None:
        self.tp = self.fp = self.fn = 0

    def add(self, pred: Iterable, gold: Iterable) -> None:
        p, g = set(pred), set(gold)
        self.tp += len(p & g)
        self.fp += len(p - g)
        self.fn += len(g - p)

    def as_dict(self) -> dict[str, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": p, "recall": r, "f1": f}


class Acc:
    def __init__(self) -> None:
        self.ok = self.n = 0

    def add(self, ok: bool) -> None:
        self.ok += bool(ok)
        self.n += 1

    def as_dict(self) -> dict[str, float]:
        return {"correct": self.ok, "total": self.n, "accuracy": self.ok / self.n if self.n else 1.0}


SET_FIELDS = ("countries", "organizations", "persons", "membership_events", "amounts", "topics")
ACC_FIELDS = ("meeting_date", "meeting_place", "meeting_format", "meeting_is_virtual", "person_role",
              "person_country")


def score(pairs: Iterable[tuple[dict, Extraction]]) -> dict[str, dict[str, float]]:
    """Micro-averaged P/R/F1 of per-document sets, and accuracies of the meeting and person attributes."""
    prf = {f: PRF() for f in SET_FIELDS}
    acc = {f: Acc() for f in ACC_FIELDS}
    for gold, ex in pairs:
        prf["countries"].add({c.country_code for c in ex.country_mentions}, gold["countries"])
        prf["organizations"].add({o.org_id for o in ex.organization_mentions}, gold["organizations"])
        pred_people = {norm_name(p.name): p for p in ex.person_mentions}
        gold_people = {norm_name(p["name"]): p for p in gold["persons"]}
        prf["persons"].add(pred_people, gold_people)
        for key in pred_people.keys() & gold_people.keys():
            acc["person_role"].add(pred_people[key].role == gold_people[key]["role"])
            acc["person_country"].add(pred_people[key].country_code == gold_people[key]["country_code"])
        prf["membership_events"].add({(m.country_code, m.organization) for m in ex.membership_events},
                                     {(m["country_code"], m["organization"]) for m in gold["membership_events"]})
        prf["amounts"].add({(round(a.value), a.currency) for a in ex.amounts},
                           {(round(a["value"]), a["currency"]) for a in gold["amounts"]})
        prf["topics"].add({t.topic for t in ex.topics}, gold["topics"])
        gm = gold["meeting"]
        pm = ex.meetings[0] if ex.meetings else None
        if gm is None and pm is None:
            continue
        p_date = (pm.meeting_date.isoformat() if pm and pm.meeting_date else None, pm.date_precision if pm else None)
        g_date = (gm["date"], gm["precision"]) if gm else (None, None)
        acc["meeting_date"].add(gm is not None and pm is not None and p_date == g_date)
        acc["meeting_place"].add(gm is not None and pm is not None and (pm.city, pm.country_code) == (gm["city"], gm["country_code"]))
        acc["meeting_format"].add(gm is not None and pm is not None and pm.format == gm["format"])
        acc["meeting_is_virtual"].add(gm is not None and pm is not None and pm.is_virtual == gm["is_virtual"])
    return {**{f: v.as_dict() for f, v in prf.items()}, **{f: v.as_dict() for f, v in acc.items()}}
