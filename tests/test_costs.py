"""The cost model: exact hand-computed values, properties, validation, CSV in and out."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brainlab import costs

# A fixture scenario with round numbers, so every cost below is computed by hand.
FIXTURE: dict[str, float] = {
    "queries_per_month": 1000,
    "months": 3,
    "prompt_tokens": 100,
    "output_tokens": 50,
    "top_k": 2,
    "chunk_tokens": 200,
    "base_input_price": 1,
    "base_output_price": 2,
    "ft_input_price": 3,
    "ft_output_price": 4,
    "embedding_price": 0.5,
    "corpus_tokens": 1_000_000,
    "corpus_update_fraction": 0.2,
    "vector_db_monthly": 10,
    "rag_setup_cost": 100,
    "training_tokens": 2_000_000,
    "epochs": 2,
    "training_price": 5,
    "ft_setup_cost": 300,
    "retrain_prep_cost": 0,  # people's time per retraining: priced in its own test below
    "ft_hosting_monthly": 40,
    "retrains_per_year": 6,
    "hybrid_retrains_per_year": 12,
    "gpu_hours_per_training": 0,
    "gpu_hour_price": 2,
    # The longer-horizon terms, off here and priced in their own tests below.
    "vector_db_included_gb": 0,
    "vector_db_per_gb": 0,
    "vector_bytes": 0,
    "ft_prompt_tokens_saved": 0,
    "base_model_lifetime": 0,
    "migration_eval_cost": 0,
}
# By hand (M = 1,000,000): rag_in = 100 + 2*200 = 500; train = 2M*2*5/M = 20;
# embed_q = 1000*100*0.5/M = 0.05; reembed = 1M*0.2*0.5/M = 0.1; indexing = 1M*0.5/M = 0.5.
EXPECTED_ONE_OFF = {
    "prompt_only": {},
    "rag": {"indexing": 0.5, "rag_setup": 100.0},
    "fine_tune": {"training": 20.0, "ft_setup": 300.0},
    "hybrid": {"indexing": 0.5, "rag_setup": 100.0, "training": 20.0, "ft_setup": 300.0},
}
EXPECTED_MONTHLY = {
    # 1000*(100*1 + 50*2)/M
    "prompt_only": {"generation": 0.2},
    # 1000*(500*1 + 50*2)/M = 0.6
    "rag": {"generation": 0.6, "query_embedding": 0.05, "vector_db": 10.0, "reembedding": 0.1},
    # 1000*(100*3 + 50*4)/M = 0.5; retraining 6/12*20 = 10
    "fine_tune": {"generation": 0.5, "hosting": 40.0, "retraining": 10.0},
    # 1000*(500*3 + 50*4)/M = 1.7; retraining 12/12*20 = 20
    "hybrid": {
        "generation": 1.7,
        "query_embedding": 0.05,
        "vector_db": 10.0,
        "reembedding": 0.1,
        "hosting": 40.0,
        "retraining": 20.0,
    },
}
EXPECTED_CUMULATIVE = {
    "prompt_only": [0.0, 0.2, 0.4, 0.6],
    "rag": [100.5, 111.25, 122.0, 132.75],
    "fine_tune": [320.0, 370.5, 421.0, 471.5],
    "hybrid": [420.5, 492.35, 564.2, 636.05],
}


def table(values: dict[str, float]) -> pd.DataFrame:
    out = costs.default_assumptions()
    out["value"] = [float(values[k]) for k in out["key"]]
    return out


# --------------------------------------------------------------------------- exact values


def test_every_strategy_and_month_matches_the_hand_computation():
    frame = costs.monthly_costs(table(FIXTURE))
    assert list(frame.columns) == ["month", "strategy", "component", "cost"]
    assert sorted(frame["month"].unique()) == [0, 1, 2, 3]
    for strategy in costs.STRATEGIES:
        rows = frame[frame["strategy"] == strategy]
        month0 = dict(zip(rows[rows.month == 0].component, rows[rows.month == 0].cost, strict=True))
        assert month0 == pytest.approx(EXPECTED_ONE_OFF[strategy], abs=1e-12)
        for month in (1, 2, 3):
            got = rows[rows.month == month]
            assert dict(zip(got.component, got.cost, strict=True)) == pytest.approx(
                EXPECTED_MONTHLY[strategy], abs=1e-12
            ), (strategy, month)


def test_cumulative_totals_and_mapping_input_agree_with_the_hand_computation():
    cum = costs.cumulative_costs(FIXTURE)
    for strategy, expected in EXPECTED_CUMULATIVE.items():
        np.testing.assert_allclose(cum[strategy].to_numpy(), expected, atol=1e-9)
    totals = costs.total_costs(table(FIXTURE))
    assert totals == pytest.approx({s: v[-1] for s, v in EXPECTED_CUMULATIVE.items()})
    assert costs.total_costs(FIXTURE, months=1) == pytest.approx(
        {s: v[1] for s, v in EXPECTED_CUMULATIVE.items()}
    )
    # 12 months: one-off + 12 x monthly (rag: 100.5 + 12 * 10.75).
    assert costs.total_costs(FIXTURE, months=12)["rag"] == pytest.approx(229.5)


def test_break_even_exact_months():
    assert costs.break_even(FIXTURE, "rag", "fine_tune") == 0.0
    assert costs.break_even(FIXTURE, "fine_tune", "rag") is None
    # No running cost for fine-tuning: 320 once; rag 100.5 + 10.75 m >= 320 from m = 20.42.
    free = {**FIXTURE, "months": 24, "ft_hosting_monthly": 0, "retrains_per_year": 0}
    free |= {"ft_input_price": 0, "ft_output_price": 0}
    assert costs.break_even(free, "fine_tune", "rag") == 21.0
    assert costs.break_even(free, "rag", "fine_tune") == 0.0
    with pytest.raises(ValueError, match="unknown strategy"):
        costs.break_even(FIXTURE, "rag", "magic")


def test_crossover_volume_and_cost_per_thousand():
    # Horizon totals: rag 130.8 + 3 * 0.00065 Q, fine_tune 470 + 3 * 0.0005 Q.
    q_star = (470 - 130.8) / (3 * (0.00065 - 0.0005))
    assert costs.crossover_volume(FIXTURE, "fine_tune", "rag") == pytest.approx(q_star)
    assert costs.crossover_volume(FIXTURE, "rag", "fine_tune") == pytest.approx(q_star)
    # Same per-query cost: the lines never cross.
    assert costs.crossover_volume(FIXTURE, "rag", "rag") is None
    per_k = costs.cost_per_thousand(FIXTURE, [1000, q_star])
    assert per_k.loc[1000.0, "rag"] == pytest.approx(132.75 / 3000 * 1000)
    assert per_k.loc[q_star, "rag"] == pytest.approx(per_k.loc[q_star, "fine_tune"])


def test_gpu_hours_add_to_every_training_run_and_default_to_nothing():
    gpu = {**FIXTURE, "gpu_hours_per_training": 3, "gpu_hour_price": 2}
    one_off = costs.monthly_costs(gpu).query("month == 0 and component == 'training'")
    assert list(one_off.cost) == [26.0, 26.0]  # 20 + 3 h x $2, fine_tune and hybrid
    defaults = costs.default_assumptions().set_index("key")["value"]
    assert defaults["gpu_hours_per_training"] == 0


def test_default_totals_reproduce_the_reference_worked_example():
    # The worked example of the reference notes (2,100 tokens in and 300 out for RAG, 100 in
    # and 300 out for the fine-tuned model), at the current defaults' prices: gpt-6-luna
    # $0.10 / $0.50 for the base model, a GLM 5.3 Flash adapter $0.15 / $0.50 (issue 14, item 5).
    parts = costs.breakdown(costs.params(costs.default_assumptions()))
    assert parts["rag"].per_query == pytest.approx(0.00021 + 0.00015 + 0.000002)
    assert parts["fine_tune"].per_query == pytest.approx(0.000015 + 0.00015)
    assert parts["fine_tune"].one_off["training"] == pytest.approx(9.0)  # 1M x 3 x $3


def test_sensitivity_ranks_by_swing_and_band_brackets_the_base():
    sens = costs.sensitivity(FIXTURE, "rag", "fine_tune")
    assert list(sens["swing"]) == sorted(sens["swing"], reverse=True)
    hosting = sens.set_index("key").loc["ft_hosting_monthly"]
    # hosting 30 vs 50 over 3 months moves fine_tune by -30 / +30: a 60 swing.
    assert hosting.swing == pytest.approx(60.0)
    assert hosting.low_value == 30 and hosting.high_value == 50
    assert "prompt_tokens" in set(sens["key"])
    assert "gpu_hour_price" not in set(sens["key"])  # no GPU hours: no effect
    months = sens.set_index("key").loc["months"]
    assert months.low_value == 2 and months.high_value == 4  # kept whole
    bands = costs.band(FIXTURE)
    assert (bands["low"] <= bands["base"] + 1e-12).all()
    assert (bands["base"] <= bands["high"] + 1e-12).all()
    rag_end = bands.query("strategy == 'rag' and month == 3").iloc[0]
    assert rag_end.base == pytest.approx(132.75)


# --------------------------------------------------------------------------- sources, presets


def test_every_default_names_a_dated_source_and_historical_prices_say_so():
    table_ = costs.default_assumptions()
    assert list(table_.columns) == list(costs.COLUMNS)
    assert set(costs.REQUIRED_KEYS) <= set(table_["key"])
    for row in table_.itertuples():
        assert re.search(r"20\d\d", row.source), row.key
        assert row.min <= row.value <= row.max
    sources = table_.set_index("key")["source"]
    # Issue 14, item 5: the defaults' models are current on the content's date. The models
    # they replace are named with the date their provider shuts them down, and a price no
    # stored source gives says so plainly.
    for key in ("base_input_price", "base_output_price", "ft_input_price", "ft_output_price"):
        assert not sources[key].startswith(("HISTORICAL", "NO SOURCED PRICE")), key
        assert "2027-01-14" in sources[key], key
    assert "gpt-6-luna" in sources["base_input_price"]
    assert sources["training_price"].startswith("NO SOURCED PRICE")
    assert costs.validate(table_) == []


def test_presets_load_apply_and_carry_sources():
    presets = costs.load_presets()
    assert list(presets) == [
        "customer_service",
        "news_summariser",
        "medical_specialist",
        "legal_analysis",
        "open_weight",
        "serverless_lora",
    ]
    base = costs.default_assumptions()
    for name, preset in presets.items():
        applied = costs.apply_preset(base, name)
        assert costs.validate(applied) == [], name
        values = applied.set_index("key")["value"]
        for key, value in preset.values.items():
            assert values[key] == value
        for key in preset.values:
            if "price" in key:
                assert key in preset.sources, (name, key)
    open_weight = costs.apply_preset(base, "open_weight").set_index("key")
    assert open_weight.loc["gpu_hours_per_training", "value"] > 0
    assert open_weight.loc["training_price", "value"] == 0
    assert base.set_index("key").loc["training_price", "value"] == 3.0  # not mutated
    with pytest.raises(KeyError):
        costs.apply_preset(base, "nope")


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "queries_per_month",
            -5,
            r"Row 1 \(Questions per month, queries_per_month\): -5 is negative",
        ),
        ("months", None, r"Row 2 \(Horizon, months\): the value is missing"),
        ("months", float("nan"), r"the value is missing"),
        ("top_k", "", r"top_k\): the value is missing"),
        ("top_k", "lots", r"top_k\): 'lots' is not a number"),
        ("months", 0, r"months\): 0 is below the minimum 1"),
        ("months", 61, r"months\): 61 is above the maximum 60"),
        ("months", 2.5, r"months\): 2.5 must be a whole number"),
        ("base_input_price", float("inf"), r"must be a finite number"),
        ("base_input_price", True, r"is not a number"),
    ],
)
def test_every_validation_message_names_the_row(key, value, message):
    bad = costs.default_assumptions().astype({"value": object})
    bad.loc[bad["key"] == key, "value"] = value
    problems = costs.validate(bad)
    assert len(problems) == 1, problems
    assert re.search(message, problems[0]), problems[0]
    with pytest.raises(ValueError, match="Invalid cost assumptions"):
        costs.monthly_costs(bad)


def test_validation_of_rows_and_columns():
    base = costs.default_assumptions()
    assert costs.validate(base.drop(columns="value")) == [
        "The assumptions table has no column value."
    ]
    assert costs.validate("nonsense") == [
        "The assumptions must be a table with the columns key and value."
    ]
    extra = pd.concat([base, base.iloc[[0]]], ignore_index=True)
    assert costs.validate(extra) == [
        f"Row {len(base) + 1} (Questions per month, queries_per_month): appears more than once."
    ]
    unknown = base.copy()
    unknown.loc[0, "key"] = "free_lunch"
    assert costs.validate(unknown) == [
        "Row 1: unknown assumption 'free_lunch'.",
        "Missing row: Questions per month (queries_per_month).",
    ]
    # Ranges come from content/, not from the table: widening max in the table does nothing.
    widened = base.copy()
    widened.loc[widened.key == "months", ["value", "max"]] = [100, 1000]
    assert costs.validate(widened) == ["Row 2 (Horizon, months): 100 is above the maximum 60."]
    # Numbers typed as text with thousands separators are fine.
    typed = base.astype({"value": object})
    typed.loc[0, "value"] = "37,000"
    assert costs.validate(typed) == []
    assert costs.params(typed)["queries_per_month"] == 37000


# --------------------------------------------------------------------------- properties


def _values_strategy():
    spec = costs.specs()
    fields = {}
    for key, s in spec.items():
        hi = min(s.max, max(s.value * 20, s.min + 10))
        if s.integer:
            fields[key] = st.integers(int(s.min), int(hi)).map(float)
        else:
            fields[key] = st.floats(s.min, hi, allow_nan=False, allow_infinity=False)
    return st.fixed_dictionaries(fields)


PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(_values_strategy())
def test_costs_are_never_negative(values):
    frame = costs.monthly_costs(values)
    assert (frame["cost"] >= 0).all()
    assert np.isfinite(frame["cost"]).all()


@PROPERTY_SETTINGS
@given(_values_strategy(), st.floats(1.0, 50.0))
def test_more_questions_never_lower_any_strategy_cost(values, factor):
    more = {**values, "queries_per_month": float(round(values["queries_per_month"] * factor) + 1)}
    before, after = costs.total_costs(values), costs.total_costs(more)
    for strategy in costs.STRATEGIES:
        assert after[strategy] >= before[strategy] - 1e-9 * max(1.0, before[strategy])


@PROPERTY_SETTINGS
@given(_values_strategy(), st.sampled_from(costs.STRATEGIES), st.sampled_from(costs.STRATEGIES))
def test_break_even_agrees_with_the_cumulative_curves(values, a, b):
    cum = costs.cumulative_costs(values)
    month = costs.break_even(values, a, b)
    below = cum[a] <= cum[b] + 1e-9
    if month is None:
        assert not below.any()
    else:
        assert below.loc[int(month)]
        assert not below.loc[: int(month) - 1].any()


# --------------------------------------------------------------------------- CSV


def test_csv_round_trip_keeps_values_and_sources():
    original = costs.apply_preset(costs.default_assumptions(), "legal_analysis")
    original.loc[0, "source"] = '=HYPERLINK("http://evil")'
    text = costs.to_csv(original)
    back, problems = costs.from_csv(text.encode())
    assert problems == []
    pd.testing.assert_frame_equal(back, original)


def test_export_defuses_formula_cells():
    evil = costs.default_assumptions()
    for i, start in enumerate(["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"]):
        evil.loc[i, "source"] = start
    rows = list(pd.read_csv(pd.io.common.StringIO(costs.to_csv(evil)), dtype=str)["source"])
    assert rows[:4] == ["'=1+1", "'+1", "'-1", "'@SUM(A1)"]
    assert rows[4].startswith("'\t") and rows[5].startswith("'\r")
    for cell in rows:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "not a readable CSV"),
        (b'key,value\n"queries_per_month,1\n', "not a readable CSV"),
        (b"key,value\nqueries_per_month,1,2,3\n", "not a readable CSV"),
        (b"key,value\nmonths,1\x00\n", "NUL bytes"),
        (b"\xff\xfe\xfa", "not UTF-8"),
        (b"name,amount\nmonths,3\n", "needs the columns key and value"),
        (b"key,Key,value\nmonths,months,3\n", "names a column twice"),
        (b"a" * (costs.MAX_CSV_BYTES + 1), "larger than"),
    ],
)
def test_malformed_csv_is_refused_with_a_clear_message(data, message):
    table_, problems = costs.from_csv(data)
    assert table_ is None
    assert len(problems) == 1 and message in problems[0], problems


def test_formula_bearing_and_non_numeric_csv_is_refused_by_row():
    text = costs.to_csv(costs.default_assumptions())
    text = text.replace("queries_per_month,1 · Usage", "=cmd|' /C calc'!A0,1 · Usage", 1)
    text = text.replace(
        "\r\nmonths,1 · Usage,Horizon,18.0", "\r\nmonths,1 · Usage,Horizon,=1+17", 1
    )
    table_, problems = costs.from_csv(text)
    assert table_ is None
    assert "Row 1: unknown assumption \"=cmd|' /C calc'!A0\"." in problems
    assert "Row 2 (Horizon, months): '=1+17' is not a number." in problems
    assert "Missing row: Questions per month (queries_per_month)." in problems


def test_minimal_csv_with_key_and_value_only_imports():
    lines = ["key,value"] + [f"{k},{v}" for k, v in FIXTURE.items()]
    table_, problems = costs.from_csv("\n".join(lines))
    assert problems == []
    assert costs.total_costs(table_)["rag"] == pytest.approx(132.75)
    assert set(table_["source"]) == {"Imported from a CSV file"}


def test_cost_shares_sum_to_one_and_name_the_dominant_component():
    base = costs.default_assumptions()
    shares = costs.cost_shares(base, "fine_tune")
    assert sum(shares.values()) == pytest.approx(1.0)
    assert costs.dominant_component(base, "fine_tune") == "retraining"
    open_weight = costs.apply_preset(base, "open_weight")
    assert costs.dominant_component(open_weight, "fine_tune") == "hosting"


def test_fine_tune_cost_split_by_kind_of_spending():
    # FIXTURE, 3 months: people 300 + 1.5 runs * 50 = 375; compute 20 + 1.5 * 20 = 50;
    # hosting 3 * 40 = 120; generation 3 * 0.5 = 1.5; total 546.5.
    split = costs.fine_tune_cost_split({**FIXTURE, "retrain_prep_cost": 50})
    assert split == pytest.approx(
        {
            "people": 375 / 546.5,
            "compute": 50 / 546.5,
            "hosting": 120 / 546.5,
            "generation": 1.5 / 546.5,
            "retrieval": 0.0,
        }
    )
    # At the defaults, people's time outweighs the GPU time (issue 14, item 2).
    default = costs.fine_tune_cost_split(costs.default_assumptions())
    assert max(default, key=default.__getitem__) == "people"
    assert default["compute"] < 0.1


def test_what_the_lessons_say_a_fine_tuned_models_tokens_cost_matches_the_defaults():
    # two_ways.md, cost_lab.md and decision.toml state the ratio (issue 14, item 3); it is
    # computed here from the defaults, so a new default price cannot leave them wrong.
    from brainlab.content import load_lesson, load_toml

    p = costs.params(costs.default_assumptions())
    ratio = p["ft_input_price"] / p["base_input_price"]
    assert ratio > 1 and p["ft_output_price"] >= p["base_output_price"]
    claim = f"{ratio:g}×"
    reasons = [
        o["reason"]
        for f in load_toml("decision.toml")["factors"]
        for o in f.get("options", [])
        if "Cost lab's defaults" in o.get("reason", "")
    ]
    assert reasons and all(claim in r for r in reasons), reasons
    for slug in ("two_ways", "cost_lab"):
        body = "\n".join(s.body for s in load_lesson(slug).sections.values())
        assert "defaults" in body and claim in body, slug


def test_each_retraining_pays_for_data_refresh_and_evaluation_as_well_as_compute():
    # Issue 14, item 4: retraining priced as compute only made fine-tuning look cheap.
    with_prep = costs.monthly_costs({**FIXTURE, "retrain_prep_cost": 50})
    rows = with_prep[(with_prep.month == 1) & (with_prep.component == "retraining")]
    got = dict(zip(rows.strategy, rows.cost, strict=True))
    # fine_tune: 6/12 * (20 + 50) = 35; hybrid: 12/12 * (20 + 50) = 70.
    assert got == pytest.approx({"fine_tune": 35.0, "hybrid": 70.0})


@pytest.mark.model
def test_the_long_context_figures_the_lessons_state_follow_the_library_and_the_defaults():
    """The third path, the whole library in every prompt (issue 14, missing teaching point):
    its size, what it adds to a question at the default input price and what four retrieved
    chunks cost, as cost_lab.md, two_ways.md and which_path.md state them, measured here
    with the real tokenizer and the cost model's defaults."""
    from brainlab import retrieval as rt
    from brainlab.content import load_lesson
    from brainlab.embeddings import shared_encoder

    library = rt.load_library()
    whole = "\n\n".join(f"{d.title}. {d.text}" for d in library)
    (pieces,) = shared_encoder("en").count_tokens([whole])
    size = f"about {round(pieces, -2):,} word pieces"
    p = costs.params(costs.default_assumptions())
    price = p["base_input_price"]
    context = p["top_k"] * p["chunk_tokens"]
    bodies = {
        slug: "\n".join(s.body for s in load_lesson(slug).sections.values()).replace("\n", " ")
        for slug in ("cost_lab", "two_ways", "which_path")
    }
    for slug, body in bodies.items():
        assert size in body, (slug, size)
    for slug in ("cost_lab", "two_ways"):
        assert f"${price:.2f} per" in bodies[slug], slug
        assert f"${pieces * price / 1e6:.4f}" in bodies[slug], slug
    assert f"${context * price / 1e6:.4f}" in bodies["cost_lab"]


def test_the_defaults_label_names_the_defaults_models():
    # Issue 14, item 5: the scenario menu's "Defaults" entry names the models the default
    # prices come from, not a model that is shut down inside the horizon.
    from brainlab.content import load_toml

    label = load_toml("cost_words.toml", language="en")["controls"]["defaults_option"]
    sources = costs.default_assumptions().set_index("key")["source"]
    assert "gpt-6-luna" in label and "gpt-6-luna" in sources["base_input_price"]
    assert "gpt-4o-mini" not in label and len(label) <= 24  # fits the menu unclipped
