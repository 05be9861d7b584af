"""Splitting feedback into sentences, clauses and statements that index the original text."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rapport.voice.split import (
    MAX_SPAN_CHARS,
    Span,
    split_clauses,
    split_sentences,
    split_statements,
)

DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"


def sentences(text: str) -> list[str]:
    return [span.text for span in split_sentences(text)]


def statements(text: str) -> list[str]:
    return [span.text for span in split_statements(text)]


def check_spans(text: str, spans: list[Span]) -> None:
    """Each span is the original text at its offsets, trimmed, non-empty, in order."""
    previous_end = 0
    for span in spans:
        assert text[span.start : span.end] == span.text
        assert span.text and span.text == span.text.strip()
        assert span.start >= previous_end
        previous_end = span.end


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello there. How are you? Fine!", ["Hello there.", "How are you?", "Fine!"]),
        ("Hello Mr. Smith. Bye.", ["Hello Mr. Smith.", "Bye."]),
        ("Mrs. Jones and Dr. Lee met Ms. Park.", ["Mrs. Jones and Dr. Lee met Ms. Park."]),
        (
            "Bring snacks, e.g. nuts. Or fruit, i.e. apples.",
            ["Bring snacks, e.g. nuts.", "Or fruit, i.e. apples."],
        ),
        ("Buy apples, pears, etc. The end.", ["Buy apples, pears, etc.", "The end."]),
        ("Apples, pears, etc. and more.", ["Apples, pears, etc. and more."]),
        ("Sale vs. full price. Ok.", ["Sale vs. full price.", "Ok."]),
        ("I live in the U.S. The weather is nice.", ["I live in the U.S.", "The weather is nice."]),
        ("The U.S. team won.", ["The U.S. team won."]),
        ("We landed at 5 p.m. and left.", ["We landed at 5 p.m. and left."]),
        ("We landed at 5 p.m. Then we left.", ["We landed at 5 p.m.", "Then we left."]),
        ("See No. 5 on the list. Thanks.", ["See No. 5 on the list.", "Thanks."]),
        ("I said no. Then left.", ["I said no.", "Then left."]),
        ("It cost $2.50 or 2.5 euros. Cheap.", ["It cost $2.50 or 2.5 euros.", "Cheap."]),
        ("Version 3.1.4 works. Good.", ["Version 3.1.4 works.", "Good."]),
        ("J. Smith helped us. Great.", ["J. Smith helped us.", "Great."]),
        ("I waited... and waited. Nothing.", ["I waited... and waited.", "Nothing."]),
        ("I waited… Then nothing.", ["I waited…", "Then nothing."]),
        ("Sorry...We tried", ["Sorry...", "We tried"]),
        ("sorry..we are late", ["sorry..we are late"]),
        ("What?!? No way!!! ok", ["What?!?", "No way!!!", "ok"]),
        ("Really?! Yes.", ["Really?!", "Yes."]),
        ('He said "no way!" and left.', ['He said "no way!" and left.']),
        ('"Great!" Then we flew.', ['"Great!"', "Then we flew."]),
        ("It was good (mostly.) Next time", ["It was good (mostly.)", "Next time"]),
        ("Great flight :) Thanks again", ["Great flight :)", "Thanks again"]),
        ("Thanks! :D See you", ["Thanks! :D", "See you"]),
        ("Love it!! 😍😍 Will buy again", ["Love it!! 😍😍", "Will buy again"]),
        ("Line one\nLine two\r\n\r\nLine three", ["Line one", "Line two", "Line three"]),
        ("1. Go to the gate\n2. Board", ["1. Go to the gate", "2. Board"]),
        ("Flight 1234. 1. Go here", ["Flight 1234.", "1. Go here"]),
        (
            "Check www.example.com/help. Then mail john.doe@mail.com. Thanks",
            ["Check www.example.com/help.", "Then mail john.doe@mail.com.", "Thanks"],
        ),
        (
            "Read https://x.com/a?b=1.2&c=3! It helps.",
            ["Read https://x.com/a?b=1.2&c=3!", "It helps."],
        ),
        ("", []),
        ("   \n  ", []),
        ("no punctuation at all", ["no punctuation at all"]),
    ],
)
def test_sentences(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected
    check_spans(text, split_sentences(text))


def test_tweets_keep_handles_tags_and_links_inside_sentences() -> None:
    text = "@united where is my bag?! #lostluggage http://t.co/abc123 please help"
    assert sentences(text) == [
        "@united where is my bag?!",
        "#lostluggage http://t.co/abc123 please help",
    ]
    text = (
        "@SouthwestAir SEA to DEN. South Sound Volleyball team on its way! http://t.co/tN5cXCld6M"
    )
    assert sentences(text) == [
        "@SouthwestAir SEA to DEN.",
        "South Sound Volleyball team on its way!",
        "http://t.co/tN5cXCld6M",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("love the fabric but it runs small", ["love the fabric", "but it runs small"]),
        ("love the fabric, but it runs small", ["love the fabric", "but it runs small"]),
        ("simple but effective", ["simple but effective"]),
        ("cute but runs small", ["cute but runs small"]),
        (
            "The color is great; the fabric is thin",
            ["The color is great", "the fabric is thin"],
        ),
        ("Nice color; thin", ["Nice color; thin"]),
        (
            "Great fit and color, however the zipper broke after one wear",
            ["Great fit and color", "however the zipper broke after one wear"],
        ),
        (
            "I kept it although it runs a bit small",
            ["I kept it", "although it runs a bit small"],
        ),
        ("I kept it even though it runs small", ["I kept it", "even though it runs small"]),
        (
            "The top is cute, though the fabric is thin",
            ["The top is cute", "though the fabric is thin"],
        ),
        ("It is cute though, I will keep it", ["It is cute though, I will keep it"]),
        ("It is really nice though", ["It is really nice though"]),
        ("The dress is pretty yet it looks cheap", ["The dress is pretty", "yet it looks cheap"]),
        ("We have not yet received the refund", ["We have not yet received the refund"]),
        (
            "My sister loves hers whereas mine ripped",
            ["My sister loves hers", "whereas mine ripped"],
        ),
        ("Nothing but problems with this airline", ["Nothing but problems with this airline"]),
        ("not only cheap but also very comfortable", ["not only cheap but also very comfortable"]),
        ("However, the fabric was great overall", ["However, the fabric was great overall"]),
        (
            "Crew was lovely but the seats were dirty but the food was good",
            ["Crew was lovely", "but the seats were dirty", "but the food was good"],
        ),
        ("travel &amp; checking in was a mess", ["travel &amp; checking in was a mess"]),
        (
            "see http://x.com/but-it-is-fine for the policy",
            ["see http://x.com/but-it-is-fine for the policy"],
        ),
    ],
)
def test_clauses(text: str, expected: list[str]) -> None:
    (sentence,) = split_sentences(text)
    clauses = split_clauses(sentence)
    assert [clause.text for clause in clauses] == expected
    check_spans(text, clauses)


def test_clause_offsets_point_into_the_original_text() -> None:
    text = "Great service. I love the fabric but it runs small!"
    spans = split_statements(text)
    assert [span.text for span in spans] == [
        "Great service.",
        "I love the fabric",
        "but it runs small!",
    ]
    assert (spans[2].start, spans[2].end) == (text.index("but"), len(text))
    check_spans(text, spans)


def test_statements_drop_spans_without_letters_or_digits() -> None:
    assert statements("Great! :) !!! ... 👍\n---\nThanks") == ["Great! :)", "Thanks"]
    assert statements("?!?! 😀😀 ...") == []
    assert statements("5. ok") == ["5. ok"]


def test_long_texts_are_capped_at_whitespace() -> None:
    text = "word " * 3000 + "end"
    spans = split_statements(text)
    assert len(spans) > 1
    assert all(len(span.text) <= MAX_SPAN_CHARS for span in spans)
    assert all(not span.text.startswith("ord") for span in spans)
    check_spans(text, spans)
    assert " ".join(span.text for span in spans) == text


def test_a_very_long_word_is_cut_hard() -> None:
    text = "x" * 5000
    spans = split_statements(text)
    assert [len(span.text) for span in spans] == [2000, 2000, 1000]
    check_spans(text, spans)


def test_very_long_review_splits_quickly_and_exactly() -> None:
    review = "I love this top but it runs small. Great color; thin fabric sadly. " * 2000
    spans = split_statements(review)
    # the first sentence splits at "but"; "Great color" is too short to stand alone
    assert len(spans) == 2000 * 3
    check_spans(review, spans)


def test_span_is_frozen() -> None:
    span = Span(0, 2, "hi")
    with pytest.raises(AttributeError):
        span.start = 1  # type: ignore[misc]


PIECES = [*"abcXYZ019 .!?…;,:'\"()\n\t@#/-_😀", "but ", "though ", "Mr. ", "e.g. ", "http://a.b/c"]
TEXT = st.lists(st.sampled_from(PIECES), max_size=80).map("".join)


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_spans_index_the_original_text(text: str) -> None:
    sentence_spans = split_sentences(text)
    check_spans(text, sentence_spans)
    # between sentences there is only whitespace
    previous = 0
    for span in sentence_spans:
        assert not text[previous : span.start].strip()
        previous = span.end
    assert not text[previous:].strip()
    for sentence in sentence_spans:
        clauses = split_clauses(sentence)
        check_spans(text, clauses)
        assert all(sentence.start <= c.start and c.end <= sentence.end for c in clauses)
    statement_spans = split_statements(text)
    check_spans(text, statement_spans)
    covered = {i for span in statement_spans for i in range(span.start, span.end)}
    assert all(i in covered for i, char in enumerate(text) if char.isalnum())


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=1, max_value=4000), st.sampled_from([" ", "\n", ". ", "x"]))
def test_statements_never_exceed_the_cap(size: int, filler: str) -> None:
    text = ("abc" + filler) * size
    spans = split_statements(text)
    check_spans(text, spans)
    assert all(len(span.text) <= MAX_SPAN_CHARS for span in spans)


def test_real_tweets_and_reviews_split_exactly() -> None:
    tweets = pd.read_csv(DATASETS / "twitter_airline" / "Tweets.csv")["text"].dropna().astype(str)
    reviews = pd.read_csv(DATASETS / "womens_clothing_reviews" / "reviews.csv")["Review Text"]
    texts = [*tweets.tolist(), *reviews.dropna().astype(str).tolist()[:5000]]
    total = 0
    for text in texts:
        spans = split_statements(text)
        check_spans(text, spans)
        total += len(spans)
        # handles, hashtags and links stay whole inside one statement
        for match in re.finditer(r"[@#]\w+|https?://[\w./?=&%-]*\w", text):
            assert any(span.start <= match.start() and match.end() <= span.end for span in spans), (
                match.group(),
                text,
            )
    assert total > len(texts)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab .!?…‼⁇⁈⁉\"')]»\r\n\u2028\u2029")), max_size=40))
def test_terminal_runs_are_found_as_the_plain_search_finds_them(text: str) -> None:
    from rapport.voice.split import _TERMINAL, _terminals

    want = [(m.span(), m.groupdict()) for m in _TERMINAL.finditer(text)]
    assert [(m.span(), m.groupdict()) for m in _terminals(text)] == want


def test_terminal_runs_on_real_reviews_and_tweets() -> None:
    from rapport.voice.split import _TERMINAL, _terminals

    reviews = pd.read_csv(DATASETS / "womens_clothing_reviews" / "reviews.csv", nrows=3000)
    tweets = pd.read_csv(DATASETS / "twitter_airline" / "Tweets.csv", nrows=3000)
    texts = reviews["Review Text"].dropna().tolist() + tweets["text"].astype(str).tolist()
    found = 0
    for text in texts:
        want = [m.span() for m in _TERMINAL.finditer(text)]
        assert [m.span() for m in _terminals(text)] == want, text
        found += len(want)
    assert found > 10000
