"""brainlab.lm_forgetting: the shipped forgetting curves of the real language model, their
chart and words (pure), and the live run's wiring with a stand-in for the training."""

from __future__ import annotations

import base64
import itertools
import json

import numpy as np
import pytest

from brainlab import charts
from brainlab import forgetting_charts as fc
from brainlab import lm_forgetting as lf
from brainlab.content import set_language
from brainlab.words import Words

SHIPPED = json.loads(lf.RECORD_FILE.read_text())


def values(array):
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
    return np.asarray(array, dtype=float)


def record(naive_old, replay_old, new, **extra):
    """A small record in forgetting.json's layout: checks every 5 steps, 20 old, 10 new."""

    def points(old, new_):
        return [
            {
                "step": 5 * i,
                "old": o,
                "new": n,
                "old_count": round(20 * o),
                "new_count": round(10 * n),
            }
            for i, (o, n) in enumerate(zip(old, new_, strict=True))
        ]

    data = {
        "model": "M",
        "date": "2026-01-02",
        "seed": 3,
        "steps": 5 * (len(naive_old) - 1),
        "every": 5,
        "batch_size": 8,
        "learning_rate": 0.001,
        "replay_share": 0.5,
        "runs": {
            "naive": {"points": points(naive_old, new)},
            "replay": {"points": points(replay_old, new)},
        },
        "wall_time_s": 120.0,
    } | extra
    return data


def test_the_shipped_record_reads_and_its_numbers_are_the_files():
    r = lf.load_record()
    naive, replay = SHIPPED["runs"]["naive"]["points"], SHIPPED["runs"]["replay"]["points"]
    n = lf.verdict_numbers(r)
    assert n.start == naive[0]["old"]
    assert n.naive_end == naive[-1]["old"]
    assert n.replay_end == replay[-1]["old"]
    assert n.replay_low == min(p["old"] for p in replay)
    assert n.new_end == naive[-1]["new"]
    assert (r.old_total, r.new_total) == (20, 10)
    assert r.date == SHIPPED["date"] and r.steps == SHIPPED["steps"] and not r.live


def test_the_verdict_and_the_labels_carry_the_files_numbers_not_fixed_ones():
    w = Words()
    a = lf.parse_record(record([1.0, 0.4, 0.2], [1.0, 0.7, 0.85], [0.0, 0.5, 0.9]))
    text = lf.verdict(a, w)
    assert "**100%** to **20%**" in text and "**85%**" in text
    assert "lowest 70%, at step 5" in text and "reach 90%" in text
    shipped = lf.verdict(lf.load_record(), w)
    assert "**100%** to **5%**" in shipped and "end at **100%**" in shipped
    measured = lf.measured(a, w)
    assert "2026-01-02" in measured and "seed 3" in measured and "10 steps" in measured
    assert "batches of 8" in measured and "(20)" in measured and "(10)" in measured
    assert "2 minutes" in measured
    assert "SmolLM2-135M-Instruct" in lf.scale(lf.load_record(), w)


def test_the_chart_draws_three_styled_lines_with_labels_at_their_ends():
    w = Words()
    fig = lf.figure(lf.load_record(), w).to_plotly_json()
    lines = fig["data"]
    assert [t["name"] for t in lines] == [
        "Old facts, no revising",
        "Old facts, revised",
        "New facts",
    ]
    naive = SHIPPED["runs"]["naive"]["points"]
    assert list(values(lines[0]["y"])) == [p["old"] for p in naive]
    assert list(values(lines[2]["y"])) == [p["new"] for p in naive]
    # Colour, dash and marker all differ: no line relies on colour alone.
    for key in ("color", "dash"):
        assert len({t["line"][key] for t in lines}) == 3
    assert len({t["marker"]["symbol"] for t in lines}) == 3
    assert lines[0]["line"]["color"] == fc.STRATEGY_COLOURS["naive"]
    assert lines[1]["line"]["color"] == fc.STRATEGY_COLOURS["replay"]
    assert lines[2]["line"]["color"] == charts.PALETTE["specialist"]
    layout = fig["layout"]
    assert not layout["showlegend"]
    ends = sorted(a["text"] for a in layout["annotations"])
    assert ends == ["New<br>100%", "Old, not revised<br>5%", "Old, revised<br>100%"]
    ys = sorted(a["y"] for a in layout["annotations"])
    assert min(b - a for a, b in itertools.pairwise(ys)) >= lf.LABEL_GAP - 1e-9  # no overlap
    assert layout["title"]["text"] == "Old facts fall to 5% unless revised"
    assert layout["xaxis"]["tickfont"]["size"] >= charts.MIN_FONT_SIZE
    assert "%" in layout["yaxis"]["tickformat"]


def test_technical_words_and_chinese_words():
    tech = lf.figure(lf.load_record(), Words(vocab="technical")).to_plotly_json()
    assert tech["data"][0]["name"] == "Old facts, no replay"
    set_language("zh")  # what the app's frame does for a Chinese session
    try:
        zh = lf.verdict(lf.load_record(), Words(language="zh"))
    finally:
        set_language("en")
    assert "旧事实从 **100%** 跌到 **5%**" in zh and "温习旧课" in zh


def test_the_alt_text_lists_every_check():
    alt = lf.alt(lf.parse_record(record([1.0, 0.5], [1.0, 0.9], [0.0, 1.0])), Words())
    assert "0: 100%, 5: 50%" in alt and "0: 100%, 5: 90%" in alt and "0: 0%, 5: 100%" in alt


def test_a_broken_record_names_what_it_lacks():
    bad = record([1.0, 0.5], [1.0, 0.9], [0.0, 1.0])
    del bad["date"]
    with pytest.raises(ValueError, match="date"):
        lf.parse_record(bad)
    empty = record([1.0], [1.0], [0.0])
    empty["runs"]["replay"]["points"] = []
    with pytest.raises(ValueError, match="replay"):
        lf.parse_record(empty)


def test_example_answers_are_code_spans_and_only_where_the_record_has_them():
    w = Words()
    assert lf.example_lines(lf.load_record(), w) == []  # the shipped file keeps none
    live = record(
        [1.0, 0.5],
        [1.0, 0.9],
        [0.0, 1.0],
        examples=[{"question": "Q?", "truth": "44 euros.", "naive": "63 `x`", "replay": "44"}],
    )
    (line,) = lf.example_lines(lf.parse_record(live, live=True), w)
    assert "`44 euros.`" in line and "`63 'x'`" in line and "`44`" in line


def test_the_live_estimate_scales_the_shipped_wall_time():
    r = lf.load_record()
    expected = (r.wall_time_s * lf.LIVE_STEPS / r.steps + 20) / 60
    assert lf.live_minutes(r) == int(np.ceil(expected))
    assert lf.live_minutes(r, steps=r.steps) > lf.live_minutes(r)
