"""The lifecycle of every model the Cost lab's defaults and scenarios use or name.

The dates come from ``content/model_lifecycle.toml`` (each row with its source and date
read); what they mean on the content's date is computed here: a model's status
(current, deprecated, shut down) and whether its shutdown falls inside a horizon of so
many months counted from that date. Pure Python: the Cost lab draws :func:`table`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from brainlab.content import ContentError, language_root, load_toml

FILE = "model_lifecycle.toml"
KINDS: tuple[str, ...] = ("base", "fine_tuned", "embedding", "historical", "example")
MISSING: tuple[str, ...] = ("none_announced", "no_source")
STATUSES: tuple[str, ...] = ("current", "deprecated", "shut_down")
#: Where a shutdown falls against the horizon.
PLACES: tuple[str, ...] = ("inside", "outside", "before", "unknown")
#: The table's columns, in order (their titles are in the file's ``[words]``).
#: What a teacher points at comes first: the model, its status, its shutdown and whether
#: that falls in the horizon; then where it is used, and where the dates come from.
COLUMNS: tuple[str, ...] = (
    "model",
    "status",
    "shutdown",
    "inside",
    "released",
    "role",
    "provider",
    "origin",
    "entry",
)


@dataclass(frozen=True)
class ModelLife:
    """One model's dates, as a stored source gives them (``None``: no source gives it)."""

    name: str
    provider: str
    kind: str
    role: str
    released: dt.date | None
    shutdown: dt.date | None
    shutdown_missing: str
    source: str
    refs: tuple[str, ...]


@dataclass(frozen=True)
class Lifecycle:
    """The content's date, the table's words and every model's row."""

    as_of: dt.date
    words: dict[str, Any]
    models: tuple[ModelLife, ...]


def _date(value: Any, path: Path, where: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    raise ContentError(path, f"{where} must be a date (2026-10-28), not {value!r}")


def load(root: Path | None = None, *, language: str | None = None) -> Lifecycle:
    """The lifecycle table in ``language`` (the current one by default).

    Raises
    ------
    ContentError
        When a row lacks a field, names an unknown kind, has neither a shutdown date nor
        a reason for its absence, or is shut down before it was released.
    """
    raw = load_toml(FILE, root, language=language)
    path = language_root(language, root) / FILE
    as_of = _date(raw.get("as_of"), path, "as_of")
    if as_of is None:
        raise ContentError(path, "as_of (the content's date) is missing")
    models: list[ModelLife] = []
    for i, row in enumerate(raw.get("models", [])):
        where = f"models[{i}]"
        missing = [k for k in ("name", "provider", "kind", "role", "source") if not row.get(k)]
        if missing or not row.get("refs"):
            raise ContentError(path, f"{where} is missing {', '.join(missing) or 'refs'}")
        if row["kind"] not in KINDS:
            raise ContentError(path, f"{where}: kind {row['kind']!r} is not one of {KINDS}")
        released = _date(row.get("released"), path, f"{where}.released")
        shutdown = _date(row.get("shutdown"), path, f"{where}.shutdown")
        why = str(row.get("shutdown_missing", ""))
        if shutdown is None and why not in MISSING:
            raise ContentError(path, f"{where}: no shutdown date and no shutdown_missing reason")
        if released and shutdown and shutdown < released:
            raise ContentError(path, f"{where}: shut down before it was released")
        models.append(
            ModelLife(
                name=str(row["name"]),
                provider=str(row["provider"]),
                kind=str(row["kind"]),
                role=str(row["role"]),
                released=released,
                shutdown=shutdown,
                shutdown_missing=why if shutdown is None else "",
                source=str(row["source"]),
                refs=tuple(str(r) for r in row["refs"]),
            )
        )
    names = [m.name for m in models]
    if len(set(names)) != len(names):
        raise ContentError(path, "two rows name the same model")
    return Lifecycle(as_of=as_of, words=dict(raw.get("words", {})), models=tuple(models))


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved ``months`` calendar months on (the 31st becomes the month's last day)."""
    total = day.year * 12 + (day.month - 1) + months
    year, month = divmod(total, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def status(model: ModelLife, on: dt.date) -> str:
    """``"current"`` (no shutdown date known), ``"deprecated"`` (a shutdown date after
    ``on``) or ``"shut_down"`` (on or before ``on``)."""
    if model.shutdown is None:
        return "current"
    return "shut_down" if model.shutdown <= on else "deprecated"


def horizon_place(model: ModelLife, start: dt.date, months: float) -> str:
    """Where the model's shutdown falls against ``months`` months counted from ``start``.

    ``"inside"`` when it comes after ``start`` and no later than the horizon's last day,
    ``"outside"`` when later or when no shutdown is announced while the sources say so
    (``none_announced``), ``"before"`` when it had already happened, ``"unknown"`` when no
    stored source speaks of the model's end.
    """
    if model.shutdown is None:
        return "outside" if model.shutdown_missing == "none_announced" else "unknown"
    if model.shutdown <= start:
        return "before"
    end = add_months(start, _whole(months))
    return "inside" if model.shutdown <= end else "outside"


def models_named(text: str, names: Iterable[str]) -> set[str]:
    """The model names of ``names`` that ``text`` names as a whole word.

    ``gpt-4.1`` is not counted inside ``gpt-4.1-mini``, nor ``gpt-4o`` inside
    ``gpt-4o-mini``: a name must not run on into letters, digits, ``-`` or ``.``+digit.
    """
    found = set()
    for name in names:
        pattern = r"(?<![\w.-])" + re.escape(name) + r"(?![\w-]|\.\d)"
        if re.search(pattern, text, flags=re.IGNORECASE):
            found.add(name)
    return found


def _whole(months: float) -> int:
    """The horizon in whole months (a part month counts as one; nonsense as none)."""
    try:
        x = float(months)
    except (TypeError, ValueError):
        return 0
    return max(0, math.ceil(x)) if math.isfinite(x) else 0


def table(
    life: Lifecycle, months: float, *, date_text: Any = str
) -> tuple[pd.DataFrame, dict[str, str]]:
    """The lifecycle table as shown: one row per model, the cells in the file's words.

    Parameters
    ----------
    life
        From :func:`load`.
    months
        The horizon, counted from ``life.as_of`` (the lab's current horizon).
    date_text
        Writes a date (ISO text in, the reader's form out; ``Words.date`` in the app).

    Returns
    -------
    (rows, titles)
        ``rows`` has :data:`COLUMNS` (``entry`` is the link to the row's first reference);
        ``titles`` maps each column to its title.
    """
    w = life.words
    day = date_text(life.as_of.isoformat())
    n = _whole(months)
    rows = []
    for m in life.models:
        if m.shutdown is not None:
            shutdown = date_text(m.shutdown.isoformat())
        else:
            shutdown = str(w[m.shutdown_missing])
        rows.append(
            {
                "model": m.name,
                "provider": m.provider,
                "role": str(w["role_cell"]).format(kind=w["kinds"][m.kind], role=m.role),
                "released": date_text(m.released.isoformat()) if m.released else w["no_date"],
                "status": w["statuses"][status(m, life.as_of)],
                "shutdown": shutdown,
                "inside": w[_PLACE_WORD[horizon_place(m, life.as_of, months)]],
                "origin": m.source,
                "entry": f"/references#{m.refs[0]}",
            }
        )
    titles = {c: str(w[c]).format(date=day, months=n) for c in COLUMNS}
    return pd.DataFrame(rows, columns=list(COLUMNS)), titles


#: The word of each horizon place in the file's ``[words]``.
_PLACE_WORD = {"inside": "yes", "outside": "no", "before": "before", "unknown": "unknown"}


def caption(life: Lifecycle, months: float, *, date_text: Any = str) -> str:
    """The sentence over the table: what the statuses and the horizon column mean."""
    day = date_text(life.as_of.isoformat())
    return str(life.words["caption"]).format(date=day, months=_whole(months))


def refs(life: Lifecycle) -> list[str]:
    """Every reference the table's rows cite, in first-cited order."""
    out: list[str] = []
    for m in life.models:
        out += [r for r in m.refs if r not in out]
    return out
