"""The forgetting lab's tiny network, its two tasks and the ways of teaching it a specialty.

A real multilayer perceptron in numpy (2 inputs, two hidden layers, 4 output classes) is
trained by minibatch gradient descent, first on a **general** task (task A, "pretraining"),
then on a **specialist** task (task B, "fine-tuning"). Both tasks are 2-D point clusters that
share the same four answers and the same output head; the specialist clusters sit in a
shifted region that partly overlaps the general one, with the answers laid out differently.
Fitting B alone therefore reuses, and rewrites, the features that served A: catastrophic
forgetting, measured rather than drawn.

Strategies (each a real training procedure, :data:`STRATEGIES`):

``naive``
    Full fine-tuning: every weight learns task B.
``replay``
    Every fine-tuning batch mixes in a fraction of general examples (rehearsal).
``ewc``
    Elastic weight consolidation (Kirkpatrick et al. 2017): a quadratic penalty holds each
    weight near its task-A value, weighted by the diagonal Fisher information of task A.
``adapter``
    The pretrained weights are frozen; only a low-rank update ``A @ B`` of the second hidden
    layer learns (LoRA, Hu et al. 2021; here A stays fixed and B learns, see
    :func:`adapter_init`). The lower its rank, the less it learns and the less it forgets
    (Biderman et al. 2024).
``rag``
    The weights stay frozen; specialist questions are answered by the nearest labelled
    examples in a specialist library that fills up with the same examples the others train
    on (a retrieval memory). General answers never change.

Everything is deterministic for a given seed. Inputs that a user can set are clamped to safe
ranges (:data:`LIMITS`) and gradients are clipped, so no setting produces NaN or overflow.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: Every strategy, in the order the lab shows them.
STRATEGIES: tuple[str, ...] = ("naive", "replay", "ewc", "adapter", "rag")

#: Phases of a run, as they appear in the ``phase`` column.
PHASES: tuple[str, ...] = ("pretrain", "finetune")

#: Number of answers (classes) both tasks share.
N_CLASSES = 4

#: Safe ranges of every setting a user can change: (low, high). Values outside are clamped.
LIMITS: dict[str, tuple[float, float]] = {
    "steps": (0, 2000),
    "pretrain_steps": (1, 2000),
    "learning_rate": (0.001, 1.0),
    "replay_fraction": (0.0, 0.9),
    "penalty": (0.0, 10_000.0),
    "rank": (1, 8),
    "neighbours": (1, 15),
    "batch_size": (4, 256),
    "eval_every": (1, 500),
}

#: The defaults that draw the lesson's standard picture.
DEFAULTS: dict[str, float | int] = {
    "steps": 300,
    "pretrain_steps": 300,
    "learning_rate": 0.1,
    "replay_fraction": 0.3,
    "penalty": 500.0,
    "rank": 4,
    "neighbours": 3,
    "batch_size": 32,
    "eval_every": 10,
}

# The largest global gradient norm a step may take: keeps high learning rates and strong
# penalties from blowing the weights up (the EWC replication in papers_and_prices.md §1.1
# saw 14 of 25 runs diverge to chance without such a guard).
_MAX_GRAD_NORM = 5.0
_HIDDEN = 32
# LoRA goes on the hidden-to-hidden layer: a rank-r update of a 32×32 matrix. (Adapting the
# output head too made the adapter forget as much as full fine-tuning here.)
_ADAPTED = ("2",)
_N_TRAIN = 512
_N_TEST = 512

# Cluster centres: class k of a task sits at row k (x, y), with this spread (standard
# deviation). General knowledge: one broad cluster per quadrant. The specialty: four tight
# clusters in the middle, where the general boundaries meet, turned by 45°: each one sits on
# the border of two general answers and agrees with only one of them (partial overlap).
_GENERAL_CENTRES = np.array([[1.6, 1.6], [-1.6, 1.6], [-1.6, -1.6], [1.6, -1.6]])
_GENERAL_SPREAD = 0.5
_SPECIALIST_CENTRES = np.array([[0.6, 0.0], [-0.6, 0.0], [0.0, 0.6], [0.0, -0.6]])
_SPECIALIST_SPREAD = 0.25
#: The plane the lab draws: both tasks lie well inside it.
EXTENT: tuple[float, float] = (-3.5, 3.5)


def clamp(name: str, value: float) -> float:
    """Clamp ``value`` to the safe range of setting ``name`` (see :data:`LIMITS`).

    NaN becomes the setting's default, so a broken input never reaches the network.
    """
    low, high = LIMITS[name]
    value = float(value)
    if np.isnan(value):
        value = float(DEFAULTS.get(name, low))
    return float(min(max(value, low), high))


#: The largest seed; seeds run from 0 (numpy's generators refuse negative seeds).
MAX_SEED = 2**31 - 1


def clamp_seed(seed: object) -> int:
    """``seed`` as a whole number from 0 to :data:`MAX_SEED`, for any input a link or a
    caller may give: fractions are rounded, values outside are clamped, NaN and anything
    that is not a number become 0. So the same input always names the same run."""
    if isinstance(seed, bool):
        return int(seed)
    if isinstance(seed, int | np.integer):
        return int(min(max(int(seed), 0), MAX_SEED))
    try:
        value = float(seed)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return 0
    if math.isnan(value):
        return 0
    return int(min(max(value, 0.0), float(MAX_SEED)) + 0.5)


# --------------------------------------------------------------------------- the two tasks


@dataclass(frozen=True)
class Task:
    """Labelled 2-D points of one task, split into training and test examples."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def _blobs(
    centres: np.ndarray, spread: float, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    labels = rng.integers(0, len(centres), size=n)
    points = centres[labels] + rng.normal(0.0, spread, size=(n, 2))
    return points, labels


def make_tasks(seed: int = 0) -> tuple[Task, Task]:
    """The general task (A) and the specialist task (B) for ``seed``.

    Both use the four answers 0–3. General knowledge is one broad cluster per quadrant; the
    specialty is four tight clusters in the middle with the answers laid out differently, so
    a network that fits only them rewrites the boundaries its general answers rely on.
    """
    rng = np.random.default_rng([clamp_seed(seed), 1])
    tasks = []
    for name, centres, spread in (
        ("general", _GENERAL_CENTRES, _GENERAL_SPREAD),
        ("specialist", _SPECIALIST_CENTRES, _SPECIALIST_SPREAD),
    ):
        x_train, y_train = _blobs(centres, spread, _N_TRAIN, rng)
        x_test, y_test = _blobs(centres, spread, _N_TEST, rng)
        tasks.append(Task(name, x_train, y_train, x_test, y_test))
    return tasks[0], tasks[1]


# --------------------------------------------------------------------------- the network

Params = dict[str, np.ndarray]


def init_params(rng: np.random.Generator, hidden: int = _HIDDEN) -> Params:
    """He-initialised weights of the 2 → hidden → hidden → 4 network."""
    sizes = [2, hidden, hidden, N_CLASSES]
    params: Params = {}
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes), start=1):
        params[f"W{i}"] = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))
        params[f"b{i}"] = np.zeros(n_out)
    return params


def adapter_init(seed: int, rank: int) -> Params:
    """The low-rank adapter at the start of fine-tuning: ``W + A @ B`` with B zero (so
    training starts at the pretrained network, as in LoRA) and A the first ``rank`` columns
    of one random orthonormal basis per seed.

    A is kept fixed while B learns (as LoRA-FA does). The bases are nested: rank r + 1 can
    read every direction rank r reads, and one more. So the rank is exactly how much the
    update can change, and the sweep shows what Biderman et al. (2024) measured: lower rank
    learns less and forgets less. (With A trained as well, this tiny network needs a single
    direction to learn the specialist task, and every rank behaved like full fine-tuning.)
    """
    rank = int(clamp("rank", rank))
    shapes = {"1": (2, _HIDDEN), "2": (_HIDDEN, _HIDDEN), "3": (_HIDDEN, N_CLASSES)}
    adapter: Params = {}
    for layer in _ADAPTED:
        n_in, n_out = shapes[layer]
        rng = np.random.default_rng([clamp_seed(seed), 7, int(layer)])
        basis, _ = np.linalg.qr(rng.normal(size=(n_in, n_in)))
        adapter[f"A{layer}"] = basis[:, :rank]
        adapter[f"B{layer}"] = np.zeros((rank, n_out))
    return adapter


def _effective(params: Params, adapter: Params | None) -> Params:
    """The weights the network computes with: base plus any low-rank adapter update."""
    if not adapter:
        return params
    out = dict(params)
    for layer in _ADAPTED:
        out[f"W{layer}"] = params[f"W{layer}"] + adapter[f"A{layer}"] @ adapter[f"B{layer}"]
    return out


def _forward(p: Params, x: np.ndarray) -> tuple[np.ndarray, ...]:
    z1 = x @ p["W1"] + p["b1"]
    h1 = np.maximum(z1, 0.0)
    z2 = h1 @ p["W2"] + p["b2"]
    h2 = np.maximum(z2, 0.0)
    logits = h2 @ p["W3"] + p["b3"]
    logits = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(logits)
    probs /= probs.sum(axis=1, keepdims=True)
    return h1, h2, probs


def predict(params: Params, x: np.ndarray) -> np.ndarray:
    """The class the network answers for each row of ``x`` (shape (n, 2))."""
    return _forward(params, np.asarray(x, dtype=float))[2].argmax(axis=1)


def accuracy(params: Params, x: np.ndarray, y: np.ndarray) -> float:
    """Share of ``x`` the network answers with ``y``, in [0, 1]."""
    return float(np.mean(predict(params, x) == y))


def _gradients(p: Params, x: np.ndarray, y: np.ndarray) -> Params:
    """Gradients of the mean cross-entropy with respect to every weight of ``p``."""
    h1, h2, probs = _forward(p, x)
    d3 = probs.copy()
    d3[np.arange(len(y)), y] -= 1.0
    d3 /= len(y)
    grads = {"W3": h2.T @ d3, "b3": d3.sum(axis=0)}
    d2 = (d3 @ p["W3"].T) * (h2 > 0)
    grads["W2"], grads["b2"] = h1.T @ d2, d2.sum(axis=0)
    d1 = (d2 @ p["W2"].T) * (h1 > 0)
    grads["W1"], grads["b1"] = x.T @ d1, d1.sum(axis=0)
    return grads


def fisher_diagonal(params: Params, x: np.ndarray, rng: np.random.Generator) -> Params:
    """Diagonal Fisher information of the network at ``params`` over inputs ``x``.

    Labels are sampled from the network's own predictions (the true Fisher, as EWC uses),
    one example at a time, vectorised as per-example outer products. The result is scaled so
    that its mean over all weights is 1: the penalty strength then reads the same whatever
    the size of the network or how confident it became.
    """
    h1, h2, probs = _forward(params, x)
    n = len(x)
    cum = probs.cumsum(axis=1)
    y = (rng.random((n, 1)) > cum).sum(axis=1).clip(0, N_CLASSES - 1)
    d3 = probs.copy()
    d3[np.arange(n), y] -= 1.0
    d2 = (d3 @ params["W3"].T) * (h2 > 0)
    d1 = (d2 @ params["W2"].T) * (h1 > 0)
    fisher = {
        "W3": np.einsum("ni,nj->ij", h2**2, d3**2) / n,
        "b3": (d3**2).mean(axis=0),
        "W2": np.einsum("ni,nj->ij", h1**2, d2**2) / n,
        "b2": (d2**2).mean(axis=0),
        "W1": np.einsum("ni,nj->ij", x**2, d1**2) / n,
        "b1": (d1**2).mean(axis=0),
    }
    mean = np.mean(np.concatenate([f.ravel() for f in fisher.values()]))
    scale = 1.0 / mean if mean > 0 else 0.0
    return {k: v * scale for k, v in fisher.items()}


def _clip(grads: Params) -> Params:
    # vdot: one call per array (np.sum(g * g) costs three); this runs on every step.
    norm = math.sqrt(sum(float(np.vdot(g, g)) for g in grads.values()))
    if norm > _MAX_GRAD_NORM:
        return {k: g * (_MAX_GRAD_NORM / norm) for k, g in grads.items()}
    return grads


def knn_predict(
    library_x: np.ndarray,
    library_y: np.ndarray,
    x: np.ndarray,
    neighbours: int = 3,
    *,
    distances: np.ndarray | None = None,
) -> np.ndarray:
    """Answer each row of ``x`` by a majority vote of its nearest labelled library examples.

    Ties go to the answer of the nearest example. With an empty library every answer is -1
    (no answer, counted as wrong). ``distances`` may pass precomputed squared distances
    (rows: ``x``, columns: the library) to save recomputing them.
    """
    n_lib = len(library_x)
    if n_lib == 0:
        return np.full(len(x), -1)
    if distances is None:
        distances = ((x[:, None, :] - library_x[None, :, :]) ** 2).sum(axis=2)
    k = int(min(max(neighbours, 1), n_lib))
    nearest = np.argpartition(distances, k - 1, axis=1)[:, :k] if k < n_lib else None
    if nearest is None:
        nearest = np.broadcast_to(np.arange(n_lib), (len(x), n_lib))
    order = np.take_along_axis(distances, nearest, axis=1).argsort(axis=1, kind="stable")
    votes = library_y[np.take_along_axis(nearest, order, axis=1)]
    counts = np.zeros((len(x), N_CLASSES))
    np.add.at(counts, (np.arange(len(x))[:, None], votes), 1.0)
    # A half vote for the nearest example's answer breaks ties toward it.
    counts[np.arange(len(x)), votes[:, 0]] += 0.5
    return counts.argmax(axis=1)


# --------------------------------------------------------------------------- training


@dataclass
class Run:
    """One training run: the curve, the tasks, and weight snapshots at chosen steps."""

    strategy: str
    curve: pd.DataFrame
    general: Task
    specialist: Task
    pretrain_steps: int
    #: Weights (adapter already merged in) at each snapshot step.
    snapshots: dict[int, Params] = field(default_factory=dict)
    #: For ``rag``: the specialist library (points, answers) at each snapshot step.
    libraries: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)


@dataclass
class _Pretrained:
    seed: int
    general: Task
    specialist: Task
    params: Params
    steps: int
    rows: list[tuple[int, str, float, float]]
    snapshots: dict[int, Params]


def _settings(**raw: float) -> dict[str, float]:
    """Every setting clamped to its safe range; integers where the setting counts things."""
    out = {}
    for name, value in raw.items():
        v = clamp(name, value)
        out[name] = round(v) if isinstance(DEFAULTS[name], int) else v
    return out


def _evaluate(p: Params, general: Task, specialist: Task) -> tuple[float, float]:
    """Accuracy on both tasks' test questions, as :func:`accuracy` gives them.

    One pass over both question sets, to the logits only: their argmax is the softmax's
    (the exponential keeps the order), and this runs at every recorded step of every run.
    """
    x = np.concatenate([general.x_test, specialist.x_test])
    h1 = np.maximum(x @ p["W1"] + p["b1"], 0.0)
    h2 = np.maximum(h1 @ p["W2"] + p["b2"], 0.0)
    right = (h2 @ p["W3"] + p["b3"]).argmax(axis=1) == np.concatenate(
        [general.y_test, specialist.y_test]
    )
    n = len(general.x_test)
    return float(np.mean(right[:n])), float(np.mean(right[n:]))


def _pretrain(
    seed: int, *, steps: int, lr: float, batch_size: int, eval_every: int, wanted: set[int]
) -> _Pretrained:
    """Plain minibatch SGD on the general task: the same start for every strategy."""
    seed = clamp_seed(seed)
    general, specialist = make_tasks(seed)
    params = init_params(np.random.default_rng([seed, 2]))
    batches = np.random.default_rng([seed, 3]).integers(0, _N_TRAIN, (steps, batch_size))
    rows = [(0, "pretrain", *_evaluate(params, general, specialist))]
    snapshots = {0: _copy(params)} if 0 in wanted else {}
    for t in range(1, steps + 1):
        idx = batches[t - 1]
        grads = _clip(_gradients(params, general.x_train[idx], general.y_train[idx]))
        for k in params:
            params[k] -= lr * grads[k]
        if t % eval_every == 0 or t == steps:
            rows.append((t, "pretrain", *_evaluate(params, general, specialist)))
        if t in wanted:
            snapshots[t] = _copy(params)
    return _Pretrained(seed, general, specialist, params, steps, rows, snapshots)


def _copy(p: Params) -> Params:
    return {k: v.copy() for k, v in p.items()}


def _finetune(
    pre: _Pretrained,
    strategy: str,
    *,
    steps: int,
    lr: float,
    replay_fraction: float,
    penalty: float,
    rank: int,
    batch_size: int,
    neighbours: int,
    eval_every: int,
    wanted: set[int],
) -> Run:
    """Teach the specialist task to a copy of the pretrained network with ``strategy``."""
    general, specialist, seed = pre.general, pre.specialist, pre.seed
    base = pre.params
    params = _copy(base)
    rows = list(pre.rows)
    snapshots = dict(pre.snapshots)
    libraries: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    # Separate random streams, so that one strategy's setting leaves the order of the
    # specialist examples identical for every strategy.
    batches = np.random.default_rng([seed, 4]).integers(0, _N_TRAIN, (max(steps, 1), batch_size))
    rng_replay = np.random.default_rng([seed, 5])
    rng_aux = np.random.default_rng([seed, 6])

    n_replay = round(replay_fraction * batch_size) if strategy == "replay" else 0
    fisher = fisher_diagonal(base, general.x_train, rng_aux) if strategy == "ewc" else None
    adapter: Params | None = None
    if strategy == "adapter":
        adapter = adapter_init(seed, rank)

    seen = 0  # specialist examples written into the rag library so far
    rag_scored: tuple[int, tuple[float, float]] = (-1, (0.0, 0.0))  # (seen, accuracies)
    for t in range(1, steps + 1):
        step = pre.steps + t
        idx = batches[t - 1]
        x, y = specialist.x_train[idx], specialist.y_train[idx]
        if strategy == "rag":
            # No training: this step's examples are written into the library instead.
            seen = min(seen + batch_size, _N_TRAIN)
        elif adapter is not None:
            g = _gradients(_effective(params, adapter), x, y)
            # Only B learns (A stays where adapter_init put it): the update A @ B can read
            # just the `rank` directions of A.
            ag = _clip({f"B{layer}": adapter[f"A{layer}"].T @ g[f"W{layer}"] for layer in _ADAPTED})
            for k in ag:
                adapter[k] -= lr * ag[k]
        else:
            if n_replay:
                # Rehearsal: part of the batch is general examples.
                old = rng_replay.integers(0, _N_TRAIN, size=n_replay)
                x = np.concatenate([x[n_replay:], general.x_train[old]])
                y = np.concatenate([y[n_replay:], general.y_train[old]])
            grads = _clip(_gradients(params, x, y))
            if fisher is not None and penalty > 0:
                # The penalty's pull toward the task-A weights is taken as an implicit
                # (proximal) step: exact for a quadratic and stable at any strength, where an
                # explicit step would overshoot once lr·λ·F > 2.
                for k in params:
                    stiffness = lr * penalty * fisher[k]
                    params[k] = (params[k] - lr * grads[k] + stiffness * base[k]) / (1 + stiffness)
            else:
                for k in params:
                    params[k] -= lr * grads[k]

        if t % eval_every == 0 or t == steps or step in wanted:
            current = _effective(params, adapter)
            if strategy == "rag" and rag_scored[0] == seen:
                # The library has not grown since the last record (it is full after
                # 512 examples): the same answers, not worked out again.
                gen_acc, spec_acc = rag_scored[1]
            elif strategy == "rag":
                spec_acc = _rag_accuracy(seed, seen, neighbours)
                gen_acc = accuracy(base, general.x_test, general.y_test)
                rag_scored = (seen, (gen_acc, spec_acc))
            else:
                gen_acc, spec_acc = _evaluate(current, general, specialist)
            if t % eval_every == 0 or t == steps:
                rows.append((step, "finetune", gen_acc, spec_acc))
            if step in wanted:
                snapshots[step] = _copy(current)
                if strategy == "rag":
                    libraries[step] = (specialist.x_train[:seen], specialist.y_train[:seen])

    curve = pd.DataFrame(rows, columns=["step", "phase", "general_accuracy", "specialist_accuracy"])
    curve["step"] = curve["step"].astype(int)
    return Run(strategy, curve, general, specialist, pre.steps, snapshots, libraries)


# The rag strategy's answers depend only on the specialist task, which is make_tasks(seed)'s,
# and on how many examples its library holds: kept per seed, so a new learning rate or
# replay share does not work them out again.


@functools.lru_cache(maxsize=64)
def _rag_order(seed: int) -> np.ndarray:
    """For every specialist test question of ``seed``, the training examples from nearest to
    farthest: the library fills up in training order, so its k nearest are the first k in
    this order whose index is below the library's size. Read-only (it is shared)."""
    specialist = make_tasks(seed)[1]
    d2 = ((specialist.x_test[:, None, :] - specialist.x_train[None, :, :]) ** 2).sum(axis=2)
    order = np.argsort(d2, axis=1, kind="stable")
    order.setflags(write=False)
    return order


@functools.lru_cache(maxsize=4096)
def _rag_accuracy(seed: int, seen: int, neighbours: int) -> float:
    """Specialist accuracy of a nearest-neighbour vote over the first ``seen`` examples."""
    specialist = make_tasks(seed)[1]
    by_distance = _rag_order(seed)
    mask = by_distance < seen
    # Position of each of the first k library members in the distance order.
    k = min(neighbours, seen)
    first = np.argsort(~mask, axis=1, kind="stable")[:, :k]
    nearest = np.take_along_axis(by_distance, first, axis=1)
    votes = specialist.y_train[nearest]
    counts = np.zeros((len(votes), N_CLASSES))
    np.add.at(counts, (np.arange(len(votes))[:, None], votes), 1.0)
    counts[np.arange(len(votes)), votes[:, 0]] += 0.5
    answers = counts.argmax(axis=1)
    return float(np.mean(answers == specialist.y_test))


# --------------------------------------------------------------------------- many runs at once
#
# The network is tiny, so one run's time goes to Python issuing numpy calls (a 32x32 matrix
# product costs less than the call). :func:`compare` therefore trains every run of a
# comparison in one stack: the weights of R runs are arrays of shape (R, ...), and each step
# is one set of numpy calls for all of them (np.matmul over the leading axis). The runs stay
# independent: each has its own weights, its own batches (drawn from the same random streams
# as :func:`_pretrain` and :func:`_finetune`, which remain the one-run reference) and its own
# gradient clipping. The results agree with the one-run loop up to rounding (a test checks
# this).

_ORDER = ("W1", "b1", "W2", "b2", "W3", "b3")


def _stack(many: list[Params]) -> Params:
    return {k: np.stack([p[k] for p in many]) for k in _ORDER}


def _one(stacked: Params, r: int) -> Params:
    return {k: stacked[k][r].copy() for k in _ORDER}


def _t(a: np.ndarray) -> np.ndarray:
    return a.transpose(0, 2, 1)


def _logits_many(p: Params, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hidden activations and logits of R networks on their own inputs ``x`` (R, n, 2)."""
    h1 = np.matmul(x, p["W1"])
    h1 += p["b1"][:, None, :]
    np.maximum(h1, 0.0, out=h1)
    h2 = np.matmul(h1, p["W2"])
    h2 += p["b2"][:, None, :]
    np.maximum(h2, 0.0, out=h2)
    logits = np.matmul(h2, p["W3"])
    logits += p["b3"][:, None, :]
    return h1, h2, logits


def _gradients_many(p: Params, x: np.ndarray, y: np.ndarray) -> Params:
    """:func:`_gradients` of R networks at once: ``x`` (R, n, 2), ``y`` (R, n)."""
    h1, h2, logits = _logits_many(p, x)
    logits -= logits.max(axis=2, keepdims=True)
    d3 = np.exp(logits)
    d3 /= d3.sum(axis=2, keepdims=True)
    runs, n = y.shape
    d3[np.arange(runs)[:, None], np.arange(n)[None, :], y] -= 1.0
    d3 /= n
    grads = {"W3": np.matmul(_t(h2), d3), "b3": d3.sum(axis=1)}
    d2 = np.matmul(d3, _t(p["W3"])) * (h2 > 0)
    grads["W2"], grads["b2"] = np.matmul(_t(h1), d2), d2.sum(axis=1)
    d1 = np.matmul(d2, _t(p["W2"])) * (h1 > 0)
    grads["W1"], grads["b1"] = np.matmul(_t(x), d1), d1.sum(axis=1)
    return grads


def _squares(g: np.ndarray) -> np.ndarray:
    """Sum of squares of each run's slice of ``g`` (R, ...): shape (R,)."""
    flat = g.reshape(len(g), -1)
    return np.einsum("ri,ri->r", flat, flat)


def _clip_factor(squares: np.ndarray) -> np.ndarray:
    """Per run, the factor :func:`_clip` applies: 1 unless the norm exceeds the limit."""
    norm = np.sqrt(squares)
    return np.where(norm > _MAX_GRAD_NORM, _MAX_GRAD_NORM / np.maximum(norm, 1e-300), 1.0)


def _per_run(factor: np.ndarray, like: np.ndarray) -> np.ndarray:
    return factor.reshape((len(factor),) + (1,) * (like.ndim - 1))


def _accuracies_many(p: Params, x: np.ndarray, y: np.ndarray, n: int) -> np.ndarray:
    """Per run (general, specialist) test accuracy, as :func:`_evaluate`: shape (R, 2)."""
    right = _logits_many(p, x)[2].argmax(axis=2) == y
    return np.stack([right[:, :n].mean(axis=1), right[:, n:].mean(axis=1)], axis=1)


def _test_sets(tasks: list[tuple[Task, Task]]) -> tuple[np.ndarray, np.ndarray]:
    x = np.stack([np.concatenate([g.x_test, s.x_test]) for g, s in tasks])
    y = np.stack([np.concatenate([g.y_test, s.y_test]) for g, s in tasks])
    return x, y


def _pretrain_many(
    seeds: list[int], *, steps: int, lr: float, batch_size: int, eval_every: int, wanted: set[int]
) -> list[_Pretrained]:
    """:func:`_pretrain` for every seed at once (the same batches, one stack)."""
    tasks = [make_tasks(seed) for seed in seeds]
    p = _stack([init_params(np.random.default_rng([seed, 2])) for seed in seeds])
    batches = np.stack(
        [np.random.default_rng([s, 3]).integers(0, _N_TRAIN, (steps, batch_size)) for s in seeds]
    )
    x_train = np.stack([g.x_train for g, _ in tasks])
    y_train = np.stack([g.y_train for g, _ in tasks])
    x_test, y_test = _test_sets(tasks)
    runs = np.arange(len(seeds))[:, None]
    rows: list[list[tuple[int, str, float, float]]] = [[] for _ in seeds]
    snapshots: list[dict[int, Params]] = [{} for _ in seeds]

    def record(t: int) -> None:
        for r, (gen, spec) in enumerate(_accuracies_many(p, x_test, y_test, _N_TEST)):
            rows[r].append((t, "pretrain", float(gen), float(spec)))

    record(0)
    if 0 in wanted:
        for r in range(len(seeds)):
            snapshots[r][0] = _one(p, r)
    for t in range(1, steps + 1):
        idx = batches[:, t - 1]
        grads = _gradients_many(p, x_train[runs, idx], y_train[runs, idx])
        factor = _clip_factor(sum(_squares(g) for g in grads.values()))
        for k in _ORDER:
            p[k] -= lr * (grads[k] * _per_run(factor, grads[k]))
        if t % eval_every == 0 or t == steps:
            record(t)
        if t in wanted:
            for r in range(len(seeds)):
                snapshots[r][t] = _one(p, r)
    return [
        _Pretrained(seed, g, s, _one(p, r), steps, rows[r], snapshots[r])
        for r, (seed, (g, s)) in enumerate(zip(seeds, tasks, strict=True))
    ]


def _finetune_many(
    pres: list[_Pretrained],
    strategies: tuple[str, ...],
    *,
    steps: int,
    lr: float,
    replay_fraction: float,
    penalty: float,
    rank: int,
    batch_size: int,
    eval_every: int,
    wanted: set[int],
) -> dict[tuple[str, int], Run]:
    """:func:`_finetune` of every trained strategy (all but ``rag``) on every pretrained
    network at once. Returns ``{(strategy, seed): Run}``."""
    pairs = [(s, i) for i, _ in enumerate(pres) for s in strategies if s != "rag"]
    if not pairs:
        return {}
    count = len(pairs)
    p = _stack([pres[i].params for _, i in pairs])
    base = {k: v.copy() for k, v in p.items()}
    runs = np.arange(count)[:, None]

    # Each run's examples: rows 0-511 of its pool are specialist, 512-1023 general ones.
    pool_x = np.stack(
        [np.concatenate([pres[i].specialist.x_train, pres[i].general.x_train]) for _, i in pairs]
    )
    pool_y = np.stack(
        [np.concatenate([pres[i].specialist.y_train, pres[i].general.y_train]) for _, i in pairs]
    )
    n_replay = round(replay_fraction * batch_size)
    chosen = []
    for strategy, i in pairs:
        seed = pres[i].seed
        idx = np.random.default_rng([seed, 4]).integers(0, _N_TRAIN, (max(steps, 1), batch_size))
        if strategy == "replay" and n_replay:
            rng_replay = np.random.default_rng([seed, 5])
            old = np.stack(
                [rng_replay.integers(0, _N_TRAIN, size=n_replay) for _ in range(len(idx))]
            )
            idx = np.concatenate([idx[:, n_replay:], _N_TRAIN + old], axis=1)
        chosen.append(idx)
    batches = np.stack(chosen)  # (R, steps, batch)

    # EWC: the implicit step's stiffness, zero for every other run (their step is then
    # exactly the plain one).
    ewc = [r for r, (s, _) in enumerate(pairs) if s == "ewc"]
    stiffness = None
    if ewc and penalty > 0:
        stiffness = {k: np.zeros_like(v) for k, v in p.items()}
        for r in ewc:
            pre = pres[pairs[r][1]]
            fisher = fisher_diagonal(
                pre.params, pre.general.x_train, np.random.default_rng([pre.seed, 6])
            )
            for k in _ORDER:
                stiffness[k][r] = lr * penalty * fisher[k]
    # Adapter: only the low-rank update of layer 2 learns, so its weights move only within
    # the span of A (W + A @ B with B learning is W moving by A @ the step of B).
    adapted = [r for r, (s, _) in enumerate(pairs) if s == "adapter"]
    a_basis = None
    if adapted:
        a_basis = np.stack([adapter_init(pres[pairs[r][1]].seed, rank)["A2"] for r in adapted])
        assert _ADAPTED == ("2",), "the stacked trainer adapts layer 2 only"

    tasks = [(pres[i].general, pres[i].specialist) for _, i in pairs]
    x_test, y_test = _test_sets(tasks)
    rows: list[list[tuple[int, str, float, float]]] = [list(pres[i].rows) for _, i in pairs]
    snapshots: list[dict[int, Params]] = [dict(pres[i].snapshots) for _, i in pairs]
    for t in range(1, steps + 1):
        step = pres[0].steps + t
        idx = batches[:, t - 1]
        grads = _gradients_many(p, pool_x[runs, idx], pool_y[runs, idx])
        squares = sum(_squares(g) for g in grads.values())
        b_step = None
        if a_basis is not None:
            b_step = np.matmul(_t(a_basis), grads["W2"][adapted])  # the gradient of B
            squares[adapted] = _squares(b_step)
        factor = _clip_factor(squares)
        for k in _ORDER:
            grads[k] *= _per_run(factor, grads[k])
        if b_step is not None:
            for k in _ORDER:
                grads[k][adapted] = 0.0
            grads["W2"][adapted] = np.matmul(a_basis, b_step * _per_run(factor[adapted], b_step))
        for k in _ORDER:
            if stiffness is None:
                p[k] -= lr * grads[k]
            else:
                p[k] = (p[k] - lr * grads[k] + stiffness[k] * base[k]) / (1 + stiffness[k])
        if t % eval_every == 0 or t == steps:
            for r, (gen, spec) in enumerate(_accuracies_many(p, x_test, y_test, _N_TEST)):
                rows[r].append((step, "finetune", float(gen), float(spec)))
        if step in wanted:
            for r in range(count):
                snapshots[r][step] = _one(p, r)

    out = {}
    for r, (strategy, i) in enumerate(pairs):
        pre = pres[i]
        curve = pd.DataFrame(
            rows[r], columns=["step", "phase", "general_accuracy", "specialist_accuracy"]
        )
        curve["step"] = curve["step"].astype(int)
        out[(strategy, pre.seed)] = Run(
            strategy, curve, pre.general, pre.specialist, pre.steps, snapshots[r]
        )
    return out


def train(
    strategy: str,
    *,
    steps: int = int(DEFAULTS["steps"]),
    learning_rate: float = float(DEFAULTS["learning_rate"]),
    replay_fraction: float = float(DEFAULTS["replay_fraction"]),
    penalty: float = float(DEFAULTS["penalty"]),
    rank: int = int(DEFAULTS["rank"]),
    seed: int = 0,
    pretrain_steps: int = int(DEFAULTS["pretrain_steps"]),
    batch_size: int = int(DEFAULTS["batch_size"]),
    neighbours: int = int(DEFAULTS["neighbours"]),
    eval_every: int = int(DEFAULTS["eval_every"]),
    snapshot_steps: tuple[int, ...] = (),
) -> Run:
    """Pretrain on the general task, then teach the specialist task with ``strategy``.

    Parameters are those of :func:`simulate`; in addition ``snapshot_steps`` lists steps
    (counted from the start of pretraining) at which to keep the weights, for drawing
    decision regions. Steps outside the run are ignored.

    Returns
    -------
    Run
        The curve (as :func:`simulate` returns it), the two tasks and the snapshots.
    """
    return compare(
        (strategy,),
        seeds=(seed,),
        steps=steps,
        learning_rate=learning_rate,
        replay_fraction=replay_fraction,
        penalty=penalty,
        rank=rank,
        pretrain_steps=pretrain_steps,
        batch_size=batch_size,
        neighbours=neighbours,
        eval_every=eval_every,
        snapshot_steps=snapshot_steps,
    )[(strategy, clamp_seed(seed))]


def compare(
    strategies: tuple[str, ...] = STRATEGIES,
    *,
    seeds: tuple[int, ...] = (0, 1, 2),
    steps: int = int(DEFAULTS["steps"]),
    learning_rate: float = float(DEFAULTS["learning_rate"]),
    replay_fraction: float = float(DEFAULTS["replay_fraction"]),
    penalty: float = float(DEFAULTS["penalty"]),
    rank: int = int(DEFAULTS["rank"]),
    pretrain_steps: int = int(DEFAULTS["pretrain_steps"]),
    batch_size: int = int(DEFAULTS["batch_size"]),
    neighbours: int = int(DEFAULTS["neighbours"]),
    eval_every: int = int(DEFAULTS["eval_every"]),
    snapshot_steps: tuple[int, ...] = (),
) -> dict[tuple[str, int], Run]:
    """Run several strategies over several seeds, pretraining once per seed. Each seed is
    taken through :func:`clamp_seed` (so -1 is 0 and 1.7 is 2) and keys the result so.

    Every strategy of a seed starts from the very same pretrained network (as
    :func:`simulate` would give it), so the comparison is like for like and the shared
    pretraining is computed once.

    Returns
    -------
    dict
        ``{(strategy, seed): Run}``.
    """
    for strategy in strategies:
        if strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {strategy!r}; expected one of {STRATEGIES}")
    s = _settings(
        steps=steps,
        learning_rate=learning_rate,
        replay_fraction=replay_fraction,
        penalty=penalty,
        rank=rank,
        pretrain_steps=pretrain_steps,
        batch_size=batch_size,
        neighbours=neighbours,
        eval_every=eval_every,
    )
    wanted = {int(v) for v in snapshot_steps if 0 <= v <= s["pretrain_steps"] + s["steps"]}
    seeds = list(dict.fromkeys(map(clamp_seed, seeds)))
    pres = _pretrain_many(
        seeds,
        steps=s["pretrain_steps"],
        lr=s["learning_rate"],
        batch_size=s["batch_size"],
        eval_every=s["eval_every"],
        wanted=wanted,
    )
    # What fine-tuning takes, the same for the stack and for the rag strategy's own loop.
    fine = {
        "steps": s["steps"],
        "lr": s["learning_rate"],
        "replay_fraction": s["replay_fraction"],
        "penalty": s["penalty"],
        "rank": s["rank"],
        "batch_size": s["batch_size"],
        "eval_every": s["eval_every"],
        "wanted": wanted,
    }
    trained = _finetune_many(pres, tuple(strategies), **fine)
    runs = {}
    for pre in pres:
        for strategy in strategies:
            key = (strategy, pre.seed)
            if strategy == "rag":
                runs[key] = _finetune(pre, strategy, neighbours=s["neighbours"], **fine)
            else:
                runs[key] = trained[key]
    return runs


def simulate(
    strategy: str,
    *,
    steps: int = int(DEFAULTS["steps"]),
    learning_rate: float = float(DEFAULTS["learning_rate"]),
    replay_fraction: float = float(DEFAULTS["replay_fraction"]),
    penalty: float = float(DEFAULTS["penalty"]),
    rank: int = int(DEFAULTS["rank"]),
    seed: int = 0,
    pretrain_steps: int = int(DEFAULTS["pretrain_steps"]),
    batch_size: int = int(DEFAULTS["batch_size"]),
    neighbours: int = int(DEFAULTS["neighbours"]),
    eval_every: int = int(DEFAULTS["eval_every"]),
) -> pd.DataFrame:
    """Train the small network and return its forgetting curve.

    Parameters
    ----------
    strategy
        One of :data:`STRATEGIES`.
    steps
        Fine-tuning steps (minibatches of the specialist task), clamped to 0–2000.
    learning_rate
        Step size of gradient descent, clamped to 0.001–1. Gradients are clipped to a norm
        of 5, so even the largest rate cannot blow the weights up.
    replay_fraction
        ``replay`` only: share of each fine-tuning batch taken from general examples
        (0–0.9).
    penalty
        ``ewc`` only: strength λ of the penalty (0–10,000), in units of the Fisher
        information rescaled to mean 1.
    rank
        ``adapter`` only: rank of the low-rank update (1–8); the adapter's size.
    seed
        Seeds the data, the initial weights and the order of the examples; a whole number
        from 0 to :data:`MAX_SEED` (others are rounded and clamped, NaN is 0).
    pretrain_steps
        Steps of general pretraining before fine-tuning (1–2000).
    batch_size
        Examples per step (4–256).
    neighbours
        ``rag`` only: how many nearest library examples vote on an answer (1–15).
    eval_every
        Record the accuracies every this many steps (and at each phase's last step).

    Returns
    -------
    pandas.DataFrame
        Columns ``step`` (counted from the start of pretraining), ``phase`` ("pretrain" or
        "finetune"), ``general_accuracy`` and ``specialist_accuracy`` (both in [0, 1], on
        held-out test points).
    """
    return train(
        strategy,
        steps=steps,
        learning_rate=learning_rate,
        replay_fraction=replay_fraction,
        penalty=penalty,
        rank=rank,
        seed=seed,
        pretrain_steps=pretrain_steps,
        batch_size=batch_size,
        neighbours=neighbours,
        eval_every=eval_every,
    ).curve


def decision_grid(
    params: Params, *, resolution: int = 60, extent: tuple[float, float] = EXTENT
) -> tuple[np.ndarray, np.ndarray]:
    """The network's answer at every point of a square grid over the plane.

    Parameters
    ----------
    params
        Weights, for example one of :attr:`Run.snapshots`.
    resolution
        Grid points per side, clamped to 10–200.
    extent
        Low and high coordinate of both axes.

    Returns
    -------
    tuple
        ``(axis, answers)``: the grid coordinates along each axis (shape ``(n,)``) and the
        answer at each grid point (shape ``(n, n)``, row = y, column = x).
    """
    n = int(min(max(resolution, 10), 200))
    axis = np.linspace(extent[0], extent[1], n)
    xx, yy = np.meshgrid(axis, axis)
    answers = predict(params, np.column_stack([xx.ravel(), yy.ravel()])).reshape(n, n)
    return axis, answers


def summary(runs: dict[tuple[str, int], Run]) -> pd.DataFrame:
    """Accuracies before and after fine-tuning, averaged over seeds, one row per strategy.

    Returns
    -------
    pandas.DataFrame
        Columns ``strategy``, ``general_before``, ``general_after``, ``specialist_before``,
        ``specialist_after``, ``general_kept`` (after ÷ before, in [0, 1]; 1 when nothing
        was known before) and ``seeds``.
    """
    return summary_of_curves((strategy, run.curve) for (strategy, _), run in runs.items())


def summary_of_curves(curves: Iterable[tuple[str, pd.DataFrame]]) -> pd.DataFrame:
    """:func:`summary` from ``(strategy, curve)`` pairs, one per seed: before = the last
    pretraining row, after = the last row, each the mean over that strategy's seeds."""
    by_strategy: dict[str, list[pd.DataFrame]] = {}
    for strategy, curve in curves:
        by_strategy.setdefault(strategy, []).append(curve)
    rows = []
    for strategy, seeds in by_strategy.items():
        before, after = [], []
        for curve in seeds:
            # Plain arrays: this runs on every redraw of the lab, for every run.
            values = curve[["general_accuracy", "specialist_accuracy"]].to_numpy(dtype=float)
            last_pre = np.flatnonzero(curve["phase"].to_numpy() == "pretrain")[-1]
            before.append(tuple(values[last_pre]))
            after.append(tuple(values[-1]))
        b, a = np.mean(before, axis=0), np.mean(after, axis=0)
        kept = float(np.clip(a[0] / b[0], 0.0, 1.0)) if b[0] > 0 else 1.0
        rows.append((strategy, b[0], a[0], b[1], a[1], kept, len(before)))
    return pd.DataFrame(
        rows,
        columns=[
            "strategy",
            "general_before",
            "general_after",
            "specialist_before",
            "specialist_after",
            "general_kept",
            "seeds",
        ],
    )


def fit_exponential_strength(hours: np.ndarray, retention: np.ndarray) -> float:
    """Least-squares memory strength S (hours) of R = e^(−t/S) for retention data in [0, 1].

    Searched on a fine logarithmic grid from 0.01 h to 10,000 h (robust, no optimiser
    needed). Used to show how badly the textbook exponential fits Ebbinghaus's data.
    """
    t = np.asarray(hours, dtype=float)[:, None]
    r = np.asarray(retention, dtype=float)[:, None]
    grid = np.geomspace(0.01, 10_000, 4001)[None, :]
    sse = ((np.exp(-t / grid) - r) ** 2).sum(axis=0)
    return float(grid[0, int(np.argmin(sse))])
