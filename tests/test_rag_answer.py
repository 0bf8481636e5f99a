"""The check of the library's generated answer against the fetched pages (brainlab/rag_answer.py):
plain pytest on crafted answers, no model."""

from __future__ import annotations

from brainlab import rag_answer as ra
from brainlab import retrieval as rt
from brainlab.retrieval import Hit
from brainlab.words import Words

K210 = Hit(
    "kettle-k210",
    "The Brightfield K210 is a 1.7 litre electric kettle with a brushed steel body. "
    "Product code: BF-K210. Price: 44 euros.",
    0.71,
    1,
    title="Brightfield K210 electric kettle",
    updated="2025-04-02",
    similarity=0.71,
    sentence="Price: 44 euros.",
)
K220 = Hit(
    "kettle-k220",
    "The Brightfield K220 is a 1.5 litre glass kettle. Price: 59 euros. "
    "Keep-warm mode holds the chosen temperature for 30 minutes.",
    0.61,
    2,
    title="Brightfield K220 glass kettle",
    updated="2024-08-19",
    similarity=0.61,
    sentence="Price: 59 euros.",
)
HITS = [K210, K220]
QUESTION = "How much does the K210 kettle cost?"


def grounded(question: str = QUESTION) -> rt.Answer:
    return rt.grounded_answer(question, HITS, 0.30)


def test_markers_and_figures():
    assert ra.markers("It costs 44 euros [1], not 59 [2] [1].") == (1, 2)
    assert ra.figures("It costs 44 euros [1], and 1,200 W; at 20:00, the K210.") == (
        "44",
        "1200",
        "20:00",
    )
    assert ra.figures("Costs 4.90 euros") == ("4.90",)


def test_a_right_answer_that_cites_its_page_passes():
    result = ra.check("The K210 kettle costs 44 euros [1].", HITS, grounded(), QUESTION)
    assert result.ok and result.cited == (1,)


def test_a_figure_in_no_fetched_page_is_unsupported():
    result = ra.check("The K210 kettle costs 129 euros [1].", HITS, grounded(), QUESTION)
    assert result.unsupported == ("129",)
    assert result.expected == ("44",)
    assert not result.ok


def test_a_figure_from_the_page_but_not_the_price_is_a_disagreement():
    # 1.7 is on the page (the kettle's volume): not invented, but not the price either.
    result = ra.check("The K210 kettle costs 1.7 euros [1].", HITS, grounded(), QUESTION)
    assert result.unsupported == ()
    assert result.expected == ("44",)
    assert not result.ok


def test_a_figure_from_another_page_than_the_cited_one_is_miscited():
    question = "How long does the K220 keep water warm?"
    answer = rt.Answer("Keep-warm mode holds the chosen temperature for 30 minutes. [2]")
    result = ra.check("It keeps it warm for 30 minutes [1].", HITS, answer, question)
    assert result.miscited == ("30",)
    assert result.expected == ()  # not a price question


def test_no_marker_and_an_impossible_marker_are_flagged():
    assert ra.check("It costs 44 euros.", HITS, grounded(), QUESTION).uncited
    result = ra.check("It costs 44 euros [4].", HITS, grounded(), QUESTION)
    assert result.unknown == (4,) and result.uncited


def test_the_box_words_every_problem_and_keeps_the_extractive_check():
    w = Words("technical")
    result = ra.check("The K210 kettle costs 129 euros [3].", HITS, grounded(), QUESTION)
    box = ra.box(result.text, result, grounded(), len(HITS), w)
    assert "The K210 kettle costs 129 euros \\[3\\]\\." in box
    assert "⚠ No page says 129." in box
    assert "⚠ Not the pages' price (44)." in box
    assert "⚠ Cites \\[3\\]: only 2 pages were fetched." in box
    assert "The pages say: Price\\: 44 euros\\. \\[1\\]" in box
    assert box.startswith("**RAG:** The K210")  # its name and the answer: one line
    ok = ra.check("The K210 kettle costs 44 euros [1].", HITS, grounded(), QUESTION)
    assert "⚠" not in ra.box(ok.text, ok, grounded(), len(HITS), w)


def test_an_abstaining_library_is_not_sent_to_the_model():
    assert not ra.should_generate(
        QUESTION, rt.Answer("The library does not contain this.", abstained=True)
    )
    assert not ra.should_generate("  ", grounded())
    assert ra.should_generate(QUESTION, grounded())


def test_streamed_pieces_are_inert_markdown_and_keep_their_spaces():
    pieces = iter(["  The", " **K210**", " costs [1]", "\nsee www", ".x.com"])
    out = "".join(ra.escaped_stream(pieces))
    assert out.startswith("The \\*\\*K210\\*\\* costs \\[1\\] see www")
    assert "\n" not in out
    assert "www\u2060\\." in out  # no autolink can form across the pieces


def test_closing_the_stream_closes_the_model_s_iterator():
    closed = []

    def model():
        try:
            yield "a"
            yield "b"
        finally:
            closed.append(True)

    stream = ra.escaped_stream(model())
    assert next(stream) == "a"
    stream.close()
    assert closed == [True]


def test_the_answer_stops_after_its_first_sentence_and_keeps_its_marker():
    assert ra.first_sentence("It keeps drinks hot for 8 hours [1]. Product code") == (
        "It keeps drinks hot for 8 hours [1]."
    )
    assert ra.first_sentence("It costs 44 euros. [1] Keep") == "It costs 44 euros. [1]"
    # Not yet: the marker may still be coming, or the figure is a decimal.
    assert ra.first_sentence("It costs 44 euros. [") is None
    assert ra.first_sentence("It costs 4.90 euros") is None
    assert ra.first_sentence("The K210 kettle costs 44 euros.") is None  # may go on
    assert ra.first_sentence("1. Call customer service to block it.\n2. Then") == (
        "1. Call customer service to block it."
    )


def test_the_lab_stops_reading_the_model_after_the_first_sentence():
    from brainlab.ui import lm_answer

    closed = []

    def model():
        try:
            yield from ["It costs", " 44 euros", " [1].", " Product", " code"]
        finally:
            closed.append(True)

    written: list[str] = []
    shown = "".join(lm_answer._first_sentence(model(), written))
    assert shown == "It costs 44 euros [1]."
    assert "".join(written) == shown
    assert closed == [True]  # the model was released at once


def test_an_answer_that_is_only_a_page_number_is_hollow():
    result = ra.check("The answer is: [1].", HITS, grounded(), "Which kettle is glass?")
    assert result.hollow and not result.ok
    assert "⚠ It says nothing but a page number." in ra.box(
        result.text, result, grounded(), len(HITS), Words("technical")
    )
    assert not ra.check("It is the K220 [2].", HITS, grounded(), "Which is glass?").hollow


def test_the_warnings_about_the_fetched_pages_go_with_the_generated_answer():
    result = ra.check("It costs 59 euros [2].", HITS, grounded(), QUESTION)
    note = "⚠ Left out \\[1\\]: about K210, not K220."
    box = ra.box(result.text, result, grounded(), len(HITS), Words("technical"), [note])
    assert box.endswith(f":orange[{note}]]")
