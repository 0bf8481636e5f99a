"""The forgetting lab's core: the orderings the lesson claims, bounds, determinism, safety."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from brainlab import forgetting as fg

SEEDS = tuple(range(6))


def _end(runs, strategy, seeds=SEEDS):
    """Mean (general, specialist) accuracy at the end of fine-tuning over ``seeds``."""
    ends = [runs[(strategy, s)].curve.iloc[-1] for s in seeds]
    return (
        float(np.mean([e["general_accuracy"] for e in ends])),
        float(np.mean([e["specialist_accuracy"] for e in ends])),
    )


@pytest.fixture(scope="module")
def runs():
    return fg.compare(fg.STRATEGIES, seeds=SEEDS)


@pytest.fixture(scope="module")
def pretrained(runs):
    """Mean (general, specialist) accuracy at the end of pretraining."""
    pre = [runs[("naive", s)].curve.query("phase == 'pretrain'").iloc[-1] for s in SEEDS]
    return (
        float(np.mean([p["general_accuracy"] for p in pre])),
        float(np.mean([p["specialist_accuracy"] for p in pre])),
    )


def test_strategies_are_the_published_names():
    assert set(fg.STRATEGIES) >= {"naive", "replay", "ewc", "adapter", "rag"}


def test_simulate_returns_the_documented_columns_and_phases():
    curve = fg.simulate("naive")
    assert list(curve.columns) == ["step", "phase", "general_accuracy", "specialist_accuracy"]
    assert set(curve["phase"]) == {"pretrain", "finetune"}
    assert curve["step"].is_monotonic_increasing
    pre = curve[curve["phase"] == "pretrain"]
    fine = curve[curve["phase"] == "finetune"]
    assert pre["step"].max() < fine["step"].min()
    assert pre["step"].iloc[0] == 0
    assert fine["step"].iloc[-1] == fg.DEFAULTS["pretrain_steps"] + fg.DEFAULTS["steps"]


def test_pretraining_learns_the_general_task_only(pretrained):
    general, specialist = pretrained
    assert general > 0.95
    assert specialist < 0.6  # the specialty is not known before fine-tuning


def test_naive_fine_tuning_learns_the_specialty_and_forgets(runs, pretrained):
    general, specialist = _end(runs, "naive")
    assert specialist > 0.85
    assert general < pretrained[0] - 0.3


def test_replay_and_strong_ewc_forget_less_than_naive(runs):
    naive_general = _end(runs, "naive")[0]
    assert _end(runs, "replay")[0] > naive_general + 0.3
    strong = fg.compare(("ewc",), seeds=SEEDS, penalty=3000)
    assert _end(strong, "ewc")[0] > naive_general + 0.3
    # A stronger penalty protects more (stiffness: the stability–plasticity trade-off).
    weak = fg.compare(("ewc",), seeds=SEEDS, penalty=100)
    assert _end(weak, "ewc")[0] < _end(strong, "ewc")[0]
    assert _end(weak, "ewc")[1] > _end(strong, "ewc")[1]


def test_ewc_with_no_penalty_is_naive_fine_tuning():
    assert fg.simulate("ewc", penalty=0).equals(fg.simulate("naive"))


def test_replay_with_no_replay_is_naive_fine_tuning():
    assert fg.simulate("replay", replay_fraction=0).equals(fg.simulate("naive"))


def test_adapter_forgets_less_and_learns_no_more_than_naive(runs):
    naive_general, naive_specialist = _end(runs, "naive")
    general, specialist = _end(runs, "adapter")
    assert general > naive_general + 0.03
    assert specialist <= naive_specialist
    assert specialist > 0.7  # it does learn the specialty (at the default rank, 4)


@pytest.fixture(scope="module")
def rank_sweep():
    """End-of-fine-tuning (general, specialist) accuracy of the adapter at ranks 1..8, per
    seed: arrays of shape (seeds, ranks)."""
    general, specialist = [], []
    for seed in SEEDS:
        ends = [fg.simulate("adapter", rank=r, seed=seed).iloc[-1] for r in range(1, 9)]
        general.append([e["general_accuracy"] for e in ends])
        specialist.append([e["specialist_accuracy"] for e in ends])
    return np.array(general), np.array(specialist)


def test_lower_rank_learns_less_and_forgets_less_at_every_step_of_the_sweep(rank_sweep, runs):
    """Biderman et al. 2024: "LoRA learns less and forgets less", and the rank sets how
    much. Averaged over six seeds both lines are strictly monotone in the rank; each seed's
    own sweep may wobble by at most three test points in a hundred."""
    general, specialist = rank_sweep
    g, s = general.mean(axis=0), specialist.mean(axis=0)
    assert all(np.diff(g) < 0), g.round(3)
    assert all(np.diff(s) > 0), s.round(3)
    assert (np.diff(general, axis=1) <= 0.03).all(), general.round(2)
    assert (np.diff(specialist, axis=1) >= -0.03).all(), specialist.round(2)
    # The whole range matters: rank 1 keeps nearly all general skill and learns a little;
    # rank 8 learns nearly as much as full fine-tuning and still forgets less.
    naive_general, naive_specialist = _end(runs, "naive")
    assert g[0] > 0.85 and s[0] < 0.65
    assert s[-1] > naive_specialist - 0.06 and s[-1] <= naive_specialist
    assert g[-1] > naive_general + 0.1
    # And the ends are far apart: the sweep shows the trade-off, not noise.
    assert g[0] - g[-1] > 0.3 and s[-1] - s[0] > 0.25


def test_rank_r_adapter_reads_a_nested_subspace():
    small, big = fg.adapter_init(3, 2), fg.adapter_init(3, 5)
    for layer in ("2",):
        a_small, a_big = small[f"A{layer}"], big[f"A{layer}"]
        assert a_small.shape == (32, 2) and a_big.shape == (32, 5)
        np.testing.assert_allclose(a_big[:, :2], a_small)
        np.testing.assert_allclose(a_big.T @ a_big, np.eye(5), atol=1e-12)
        assert not big[f"B{layer}"].any()  # training starts at the pretrained network


def test_rag_keeps_general_accuracy_exactly_and_answers_specialist_questions(runs):
    for seed in SEEDS:
        curve = runs[("rag", seed)].curve
        pre_end = curve.query("phase == 'pretrain'")["general_accuracy"].iloc[-1]
        fine = curve.query("phase == 'finetune'")
        assert (fine["general_accuracy"] == pre_end).all()
        assert fine["specialist_accuracy"].iloc[-1] > 0.8


def test_more_steps_never_make_naive_forget_less():
    means = [
        _end(fg.compare(("naive",), seeds=SEEDS, steps=s), "naive")[0] for s in (20, 100, 300, 800)
    ]
    assert all(later <= earlier for earlier, later in itertools.pairwise(means)), means


def test_same_seed_same_curve_and_different_seed_different_curve():
    for strategy in fg.STRATEGIES:
        pd.testing.assert_frame_equal(fg.simulate(strategy, seed=3), fg.simulate(strategy, seed=3))
    assert not fg.simulate("naive", seed=1).equals(fg.simulate("naive", seed=2))


def test_every_strategy_starts_from_the_same_pretrained_network():
    runs = fg.compare(fg.STRATEGIES, seeds=(0,))
    pre = [r.curve.query("phase == 'pretrain'") for r in runs.values()]
    for other in pre[1:]:
        pd.testing.assert_frame_equal(pre[0], other)
    # ... and compare() gives what simulate() gives.
    pd.testing.assert_frame_equal(runs[("ewc", 0)].curve, fg.simulate("ewc"))


EXTREMES = [
    {"learning_rate": 1.0, "steps": 2000},
    {"learning_rate": 0.001, "steps": 0},
    {"learning_rate": 1.0, "penalty": 10_000},
    {"learning_rate": 1.0, "replay_fraction": 0.9, "rank": 8},
    {"learning_rate": 1e9, "penalty": 1e12, "rank": 10**6, "replay_fraction": 5, "steps": 10**9},
    {"learning_rate": float("nan"), "penalty": -5, "rank": -3, "replay_fraction": -1},
]


@pytest.mark.parametrize("settings", EXTREMES)
@pytest.mark.parametrize("strategy", fg.STRATEGIES)
def test_bounds_and_no_nan_at_the_extremes(strategy, settings):
    run = fg.train(strategy, **settings, snapshot_steps=(0, 300, 10**6))
    curve = run.curve
    values = curve[["general_accuracy", "specialist_accuracy"]].to_numpy()
    assert np.isfinite(values).all()
    assert ((values >= 0) & (values <= 1)).all()
    assert curve["step"].max() <= fg.LIMITS["pretrain_steps"][1] + fg.LIMITS["steps"][1]
    for params in run.snapshots.values():
        assert all(np.isfinite(v).all() for v in params.values())


def test_clamp_keeps_settings_in_range():
    assert fg.clamp("learning_rate", 50) == fg.LIMITS["learning_rate"][1]
    assert fg.clamp("rank", 0) == 1
    assert fg.clamp("penalty", float("inf")) == fg.LIMITS["penalty"][1]
    assert fg.clamp("replay_fraction", float("nan")) == fg.DEFAULTS["replay_fraction"]


def test_unknown_strategy_is_refused():
    with pytest.raises(ValueError, match="unknown strategy"):
        fg.simulate("magic")


def test_fisher_is_positive_and_scaled_to_mean_one():
    run = fg.train("naive", steps=0, snapshot_steps=(fg.DEFAULTS["pretrain_steps"],))
    params = run.snapshots[fg.DEFAULTS["pretrain_steps"]]
    fisher = fg.fisher_diagonal(params, run.general.x_train, np.random.default_rng(0))
    flat = np.concatenate([f.ravel() for f in fisher.values()])
    assert (flat >= 0).all()
    assert flat.mean() == pytest.approx(1.0)
    assert set(fisher) == set(params)


def test_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    params = fg.init_params(rng, hidden=5)
    x = rng.normal(size=(7, 2))
    y = rng.integers(0, fg.N_CLASSES, size=7)

    def loss(p):
        probs = fg._forward(p, x)[2]
        return -np.mean(np.log(probs[np.arange(len(y)), y]))

    grads = fg._gradients(params, x, y)
    for key in ("W1", "b2", "W3"):
        flat = params[key].ravel()
        for i in range(min(4, flat.size)):
            old = flat[i]
            flat[i] = old + 1e-6
            up = loss(params)
            flat[i] = old - 1e-6
            down = loss(params)
            flat[i] = old
            assert grads[key].ravel()[i] == pytest.approx((up - down) / 2e-6, abs=1e-6)


def test_knn_votes_by_the_nearest_examples():
    library_x = np.array([[0.0, 0.0], [1.0, 0.0], [1.1, 0.0], [5.0, 5.0]])
    library_y = np.array([0, 1, 1, 2])
    x = np.array([[0.1, 0.0], [1.05, 0.0], [4.0, 4.0]])
    assert fg.knn_predict(library_x, library_y, x, neighbours=1).tolist() == [0, 1, 2]
    # Three neighbours: the point next to 0 is outvoted by the two 1s.
    assert fg.knn_predict(library_x, library_y, x, neighbours=3).tolist()[:2] == [1, 1]
    assert fg.knn_predict(library_x[:0], library_y[:0], x).tolist() == [-1, -1, -1]


def test_rag_library_grows_with_the_steps():
    run = fg.train("rag", steps=8, batch_size=4, eval_every=1, snapshot_steps=(302, 308))
    assert len(run.libraries[302][0]) == 8
    assert len(run.libraries[308][0]) == 32
    # The library answers well once it holds a few examples of each answer.
    assert (
        run.curve["specialist_accuracy"].iloc[-1]
        > run.curve["specialist_accuracy"].iloc[run.curve.query("phase == 'finetune'").index[0]]
        - 1e-9
    )


def test_decision_grid_shows_the_general_quadrants_after_pretraining():
    steps = fg.DEFAULTS["pretrain_steps"]
    run = fg.train("naive", snapshot_steps=(steps,))
    axis, answers = fg.decision_grid(run.snapshots[steps], resolution=41)
    assert answers.shape == (41, 41)
    assert axis[0] == fg.EXTENT[0] and axis[-1] == fg.EXTENT[1]
    # Far corners: answer k in quadrant k (0: +x+y, 1: -x+y, 2: -x-y, 3: +x-y).
    assert answers[-1, -1] == 0 and answers[-1, 0] == 1
    assert answers[0, 0] == 2 and answers[0, -1] == 3


def test_summary_reports_what_is_kept(runs):
    table = fg.summary(runs)
    assert list(table["strategy"]) == list(fg.STRATEGIES)
    rag = table.set_index("strategy").loc["rag"]
    assert rag["general_kept"] == 1.0
    assert table["general_kept"].between(0, 1).all()
    assert (table["seeds"] == len(SEEDS)).all()


@pytest.mark.parametrize(
    ("seed", "as_seed"),
    [(-1, 0), (float("nan"), 0), (1.7, 2), (2.0, 2), ("x", 0), (float("inf"), fg.MAX_SEED)],
)
def test_any_seed_gives_a_run_of_a_valid_seed(seed, as_seed):
    """Issue 10, defect 9: -1 and NaN raised ValueError, 1.7 a KeyError."""
    assert fg.clamp_seed(seed) == as_seed
    quick = {"steps": 5, "pretrain_steps": 5, "eval_every": 5}
    curve = fg.simulate("naive", seed=seed, **quick)
    pd.testing.assert_frame_equal(curve, fg.simulate("naive", seed=as_seed, **quick))
    assert list(fg.compare(("naive",), seeds=(seed,), **quick)) == [("naive", as_seed)]


def _one_run_at_a_time(seeds, **settings):
    """The reference: each run trained alone by the one-run loops."""
    s = fg._settings(**{**fg.DEFAULTS, **settings})
    wanted = {s["pretrain_steps"] + 10}
    runs = {}
    for seed in seeds:
        pre = fg._pretrain(
            seed,
            steps=s["pretrain_steps"],
            lr=s["learning_rate"],
            batch_size=s["batch_size"],
            eval_every=s["eval_every"],
            wanted=wanted,
        )
        for strategy in fg.STRATEGIES:
            runs[(strategy, seed)] = fg._finetune(
                pre,
                strategy,
                steps=s["steps"],
                lr=s["learning_rate"],
                replay_fraction=s["replay_fraction"],
                penalty=s["penalty"],
                rank=s["rank"],
                batch_size=s["batch_size"],
                neighbours=s["neighbours"],
                eval_every=s["eval_every"],
                wanted=wanted,
            )
    return runs


@pytest.mark.parametrize(
    "settings",
    [
        {"steps": 60, "pretrain_steps": 60},
        {"steps": 40, "pretrain_steps": 50, "learning_rate": 1.0, "rank": 1, "penalty": 5000.0},
        {"steps": 40, "pretrain_steps": 40, "replay_fraction": 0.9, "penalty": 0.0},
    ],
)
def test_the_stacked_trainer_matches_one_run_at_a_time(settings):
    """compare() trains every run of a comparison in one stack of arrays (for speed); each
    run must still be the run its own loop gives: the same curve, the same weights."""
    seeds = (0, 3)
    stacked = fg.compare(seeds=seeds, snapshot_steps=(settings["pretrain_steps"] + 10,), **settings)
    alone = _one_run_at_a_time(seeds, **settings)
    assert stacked.keys() == alone.keys()
    step = settings["pretrain_steps"] + 10
    for key, run in alone.items():
        got = stacked[key]
        assert list(got.curve["step"]) == list(run.curve["step"]), key
        assert list(got.curve["phase"]) == list(run.curve["phase"]), key
        for column in ("general_accuracy", "specialist_accuracy"):
            # Rounding may differ between the two (a sum in another order); one test
            # question answered differently at most.
            diff = (got.curve[column] - run.curve[column]).abs().max()
            assert diff <= 1 / 512 + 1e-12, (key, column, diff)
        for name, weights in run.snapshots[step].items():
            np.testing.assert_allclose(got.snapshots[step][name], weights, rtol=1e-7, atol=1e-9)
