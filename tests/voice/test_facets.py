"""The facet detector: cue phrases with negation, competitor configuration, embedding prototypes
and labelled examples, and its precision and recall on the hand-labelled test split."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import DATASETS
from rapport.errors import InputError, NotFittedError
from rapport.voice.embed import ACCURATE_MODEL, MiniLMEmbedder, StaticEmbedder
from rapport.voice.facet_cues import CUES
from rapport.voice.facets import FACETS, FacetDetector, FacetHit
from rapport.voice.sentiment import SentimentScorer

ROOT = Path(__file__).resolve().parents[2]
LABELS = ROOT / "tests" / "data" / "facets" / "labelled_statements.csv"

# The configuration a user would give: each airline's names and handles; the tweets address one
# airline (the own company, excluded from its competitors). US Airways and American had merged.
AIRLINES = {
    "united": ("United", "United Airlines", "UA"),
    "american": ("American Airlines", "AmericanAir", "AA", "US Airways", "USAirways", "USAir"),
    "southwest": ("Southwest", "SouthwestAir", "SWA"),
    "jetblue": ("JetBlue", "Jet Blue"),
    "virgin": ("Virgin America", "VirginAmerica", "Virgin Atlantic", "VirginAtlantic", "Virgin"),
    "delta": ("Delta", "DeltaAssist"),
    "other": (
        "Spirit Airlines",
        "SpiritAirlines",
        "Frontier",
        "Alaska Airlines",
        "AlaskaAir",
        "Hawaiian Airlines",
        "Allegiant",
        "Air Canada",
        "British Airways",
        "Lufthansa",
        "Emirates",
        "WestJet",
        "Sun Country",
    ),
}
HANDLES = {
    "united": "united",
    "americanair": "american",
    "usairways": "american",
    "southwestair": "southwest",
    "jetblue": "jetblue",
    "virginamerica": "virgin",
    "delta": "delta",
    "deltaassist": "delta",
}
# Competing clothing brands a women's fashion retailer would list.
BRANDS = (
    "J.Crew",
    "J Crew",
    "Banana Republic",
    "Nordstrom",
    "Madewell",
    "Free People",
    "Zara",
    "H&M",
    "Uniqlo",
    "Old Navy",
    "Ann Taylor",
    "Paige",
    "Hudson",
    "Citizens of Humanity",
    "Levi's",
    "Lululemon",
    "Athleta",
    "Eileen Fisher",
    "Vince",
    "Everlane",
    "Macy's",
    "White House Black Market",
    "Talbots",
    "Chico's",
    "Boden",
    "Revolve",
    "Asos",
    "Forever 21",
    "Topshop",
    "Mango",
)

# Per-facet F1 measured on the test split (cue-only), less about 0.05; see docs/voice.md.
F1_BOUNDS = {
    "job": 0.63,
    "pain": 0.64,
    "value": 0.46,
    "hope": 0.66,
    "fear": 0.63,
    "perception": 0.53,
    "competitor": 0.85,
    "suggestion": 0.59,
    "praise": 0.76,
    "intent": 0.59,
}
MACRO_F1_BOUND = 0.63  # measured 0.687
PAIN_F1_BOUND_WITH_SENTIMENT = 0.70  # measured 0.745
MACRO_F1_BOUND_EMBEDDED = 0.63  # measured 0.683 with MiniLM prototypes


def competitors_for(source: str, text: str) -> tuple[str, ...]:
    if source == "tweets":
        handles = [HANDLES.get(h.lower()) for h in re.findall(r"@(\w+)", text)]
        own = next((h for h in handles if h is not None), None)
        return tuple(n for key, names in AIRLINES.items() if key != own for n in names)
    if source == "reviews":
        return BRANDS
    return ()


def detect_all(
    frame: pd.DataFrame,
    examples: Sequence[tuple[str, Sequence[str]]] = (),
    embed: Callable[[Sequence[str]], np.ndarray] | None = None,
    embeddings: np.ndarray | None = None,
    sentiment: np.ndarray | None = None,
    embed_name: str | None = None,
    prototype_similarity: float | None = None,
) -> list[set[str]]:
    """Facets of each row, with the competitor list of the row's own company."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for i, (source, text) in enumerate(zip(frame["source"], frame["text"], strict=True)):
        groups.setdefault(competitors_for(source, text), []).append(i)
    found: list[set[str]] = [set() for _ in range(len(frame))]
    for competitors, rows in groups.items():
        detector = FacetDetector(
            competitors=competitors,
            examples=examples,
            prototype_similarity=prototype_similarity,
        ).fit(embed, embed_name)
        vectors = None if embeddings is None else embeddings[rows]
        scores = None if sentiment is None else sentiment[rows]
        hits = detector.detect([frame["text"].iloc[i] for i in rows], vectors, sentiment=scores)
        for i, row_hits in zip(rows, hits, strict=True):
            found[i] = {h.facet for h in row_hits}
    return found


def scores(
    gold: list[set[str]], predicted: list[set[str]]
) -> dict[str, tuple[float, float, float]]:
    """Precision, recall and F1 per facet."""
    out = {}
    for facet in FACETS:
        tp = sum(facet in g and facet in p for g, p in zip(gold, predicted, strict=True))
        fp = sum(facet not in g and facet in p for g, p in zip(gold, predicted, strict=True))
        fn = sum(facet in g and facet not in p for g, p in zip(gold, predicted, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[facet] = (precision, recall, f1)
    return out


@pytest.fixture(scope="module")
def labels() -> pd.DataFrame:
    return pd.read_csv(LABELS, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def held_out(labels: pd.DataFrame) -> pd.DataFrame:
    return labels[labels["split"] == "test"].reset_index(drop=True)


def gold_of(frame: pd.DataFrame) -> list[set[str]]:
    return [set(value.split(";")) if value else set() for value in frame["facets"]]


@pytest.fixture(scope="module")
def cue_scores(held_out: pd.DataFrame) -> dict[str, tuple[float, float, float]]:
    return scores(gold_of(held_out), detect_all(held_out))


@pytest.fixture(scope="module")
def minilm(minilm: MiniLMEmbedder, labels: pd.DataFrame) -> Callable[[Sequence[str]], np.ndarray]:
    """The session's MiniLM, remembering every vector it made for the labelled statements."""
    known: dict[str, np.ndarray] = {}

    def embed(texts: Sequence[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        if missing:
            known.update(zip(missing, minilm.encode(missing), strict=True))
        return np.stack([known[t] for t in texts])

    embed(labels["text"].tolist())
    return embed


@pytest.fixture(scope="module")
def label_embeddings(
    labels: pd.DataFrame, minilm: Callable[[Sequence[str]], np.ndarray]
) -> np.ndarray:
    return minilm(labels["text"].tolist())


def detect_one(text: str, competitors: Sequence[str] = ()) -> dict[str, FacetHit]:
    hits = FacetDetector(competitors=competitors).fit().detect([text])[0]
    return {h.facet: h for h in hits}


# --- quality on the held-out test split -----------------------------------------------------


@pytest.mark.parametrize("facet", FACETS)
def test_f1_per_facet_on_test_split(
    facet: str, cue_scores: dict[str, tuple[float, float, float]]
) -> None:
    precision, recall, f1 = cue_scores[facet]
    assert f1 >= F1_BOUNDS[facet], (facet, precision, recall, f1)


def test_macro_f1_on_test_split(cue_scores: dict[str, tuple[float, float, float]]) -> None:
    macro = float(np.mean([f1 for _, _, f1 in cue_scores.values()]))
    assert macro >= MACRO_F1_BOUND


def test_macro_f1_with_prototypes_on_test_split(
    labels: pd.DataFrame,
    minilm: Callable[[Sequence[str]], np.ndarray],
    label_embeddings: np.ndarray,
) -> None:
    mask = (labels["split"] == "test").to_numpy()
    frame = labels[mask].reset_index(drop=True)
    found = detect_all(frame, embed=minilm, embeddings=label_embeddings[mask])
    macro = float(np.mean([f1 for _, _, f1 in scores(gold_of(frame), found).values()]))
    assert macro >= MACRO_F1_BOUND_EMBEDDED


def _macro(found: dict[str, tuple[float, float, float]]) -> float:
    return float(np.mean([f1 for _, _, f1 in found.values()]))


def test_negative_sentiment_adds_the_pains_cues_miss(
    labels: pd.DataFrame,
    minilm: Callable[[Sequence[str]], np.ndarray],
    label_embeddings: np.ndarray,
) -> None:
    """The pipeline's sentiment (the MiniLM head, trained on Rapport's own hand-written
    statements, not on these labels) gives pain to clearly negative statements no facet
    explains: on the test split pain F1 0.69 -> 0.745 (recall 0.60 -> 0.69)."""
    scorer = SentimentScorer().fit(embed=minilm, embed_name=ACCURATE_MODEL)
    mask = (labels["split"] == "test").to_numpy()
    frame = labels[mask].reset_index(drop=True)
    gold = gold_of(frame)
    sentiment = scorer.score(frame["text"].tolist(), label_embeddings[mask])
    without = scores(gold, detect_all(frame))
    with_sentiment = scores(gold, detect_all(frame, sentiment=sentiment))
    assert with_sentiment["pain"][2] >= PAIN_F1_BOUND_WITH_SENTIMENT, with_sentiment["pain"]
    assert with_sentiment["pain"][2] > without["pain"][2] + 0.03
    assert _macro(with_sentiment) > _macro(without)
    # Only pain changes.
    assert {f: v for f, v in with_sentiment.items() if f != "pain"} == {
        f: v for f, v in without.items() if f != "pain"
    }


def test_fast_mode_prototypes_do_not_cost_quality(
    labels: pd.DataFrame, static: StaticEmbedder
) -> None:
    """The static model's similarities run higher than MiniLM's: at the threshold once shared
    by both (0.65) its prototypes cost 0.06 macro-F1 on the test split; at its own (chosen on
    the dev split) they cost nothing."""
    mask = (labels["split"] == "test").to_numpy()
    frame = labels[mask].reset_index(drop=True)
    gold = gold_of(frame)
    vectors = static.encode(frame["text"].tolist())
    cues_only = _macro(scores(gold, detect_all(frame)))
    own = _macro(scores(gold, detect_all(frame, embed=static.encode, embeddings=vectors,
                                         embed_name=static.name)))
    shared = _macro(scores(gold, detect_all(frame, embed=static.encode, embeddings=vectors,
                                            prototype_similarity=0.65)))
    assert own >= cues_only - 0.005, (own, cues_only)
    assert shared < own - 0.03, (shared, own)


def test_labelled_examples_raise_recall(
    labels: pd.DataFrame,
    minilm: Callable[[Sequence[str]], np.ndarray],
    label_embeddings: np.ndarray,
) -> None:
    dev = labels[labels["split"] == "dev"]
    examples = [
        (t, f.split(";") if f else []) for t, f in zip(dev["text"], dev["facets"], strict=True)
    ]
    mask = (labels["split"] == "test").to_numpy()
    frame = labels[mask].reset_index(drop=True)
    gold = gold_of(frame)
    without = scores(gold, detect_all(frame, embed=minilm, embeddings=label_embeddings[mask]))
    with_examples = scores(
        gold,
        detect_all(frame, examples=examples, embed=minilm, embeddings=label_embeddings[mask]),
    )
    assert with_examples["pain"][1] > without["pain"][1]
    assert sum(r for _, r, _ in with_examples.values()) > sum(r for _, r, _ in without.values())


def test_an_example_teaches_a_phrasing_no_cue_knows(
    minilm: Callable[[Sequence[str]], np.ndarray],
) -> None:
    text = "I picked up this coat for ski trips in the Rockies."
    plain = FacetDetector().fit(minilm)
    assert "job" not in {h.facet for h in plain.detect([text])[0]}
    taught = FacetDetector(
        examples=[("Bought this jacket for the ski season in the Alps.", ["job"])]
    ).fit(minilm)
    hits = {h.facet: h for h in taught.detect([text])[0]}
    assert hits["job"].evidence == text
    assert 0.0 < hits["job"].confidence <= 1.0


# --- one facet at a time --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facet", "text", "evidence"),
    [
        ("job", "I need a dress for my daughter's wedding in June.", "for my daughter"),
        ("job", "We use the account to pay our suppliers.", "We use the account to"),
        ("job", "Need to get to Denver for a wedding", "for a wedding"),
        ("pain", "On hold for two hours and still waiting.", "On hold"),
        ("pain", "The fabric is itchy.", "itchy"),
        ("pain", "Why was I charged twice?", "Why was"),
        ("value", "Comfort is everything to me.", "everything to me"),
        ("value", "I prefer shorts that don't cling.", "I prefer"),
        ("hope", "I wish it came in petite.", "I wish"),
        ("hope", "Hopefully they will restock soon.", "Hopefully"),
        ("hope", "Would love it in more colors.", "Would love"),
        ("fear", "I'm afraid I'll miss my connection.", "afraid I'll"),
        ("fear", "Worried it will shrink.", "Worried"),
        ("fear", "What if my card gets used by someone else?", "What if"),
        ("perception", "You're the worst airline.", "You're the worst"),
        ("perception", "This retailer never disappoints.", "This retailer"),
        ("perception", "It never disappoints.", "never disappoints"),
        ("competitor", "I switched to another provider.", "switched to"),
        ("competitor", "Other stores have it cheaper.", "Other stores"),
        ("suggestion", "Please add wifi.", "Please add"),
        ("suggestion", "Why don't you open a store in Leeds?", "Why don't you"),
        ("suggestion", "It would be nice if the app showed balances.", "It would be nice if"),
        ("praise", "Love this top!", "Love"),
        ("praise", "Thanks for the quick help!", "Thanks for"),
        ("intent", "Never flying you again.", "Never flying you again"),
        ("intent", "I will buy again.", "will buy again"),
        ("intent", "Returning it tomorrow.", "Returning it"),
        ("intent", "Highly recommend.", "Highly recommend"),
        ("intent", "I want to cancel my account.", "want to cancel"),
        # cues written against the second dev batch (tests/data/facets/README.md, step 5)
        ("job", "Travelling with two kids, so we need seats together.",
         "Travelling with two kids"),
        ("job", "Wore it to a banquet last night.", "Wore it to a banquet"),
        ("pain", "My transfer is still pending.", "still pending"),
        ("pain", "These ran really big.", "ran really big"),
        ("pain", "The exchange rate isnt correct.", "isnt correct"),
        ("value", "Not worth the money.", "Not worth the"),
        ("value", "Pockets are always a plus.", "always a plus"),
        ("hope", "Counting on you to get me there tonight.", "Counting on you"),
        ("fear", "With the storm we might get stuck here.", "might get stuck"),
        ("perception", "@ZoomAir is the best.", "@ZoomAir is the best"),
        ("perception", "Worst. Customer service. Ever.", "Worst. Customer service"),
        ("competitor", "Will take any airline at this point.", "any airline"),
        ("suggestion", "How about adding a kids menu?", "How about adding"),
        ("intent", "Considering getting it in another color.", "Considering getting"),
        ("intent", "I knew it was going back.", "going back"),
    ],
)
def test_cue_finds_facet(facet: str, text: str, evidence: str) -> None:
    hits = detect_one(text)
    assert facet in hits, hits
    assert hits[facet].evidence == evidence
    assert text[text.index(evidence) :].startswith(hits[facet].evidence)
    assert 0.0 < hits[facet].confidence <= 1.0


@pytest.mark.parametrize(
    ("facet", "text"),
    [
        ("fear", "I was not worried at all."),
        ("fear", "No worries, we sorted it."),
        ("fear", "I'm afraid not."),
        ("praise", "I don't love it."),
        ("praise", "It is not comfortable."),
        ("praise", "Thanks for nothing."),
        ("praise", "Why is my card blocked? Thanks"),
        ("pain", "No problems at all with delivery."),
        ("pain", "The flight wasn't delayed."),
        ("hope", "I wish I had ordered a size up."),
        ("hope", "giving me false hope of ever getting home"),
        ("suggestion", "You should be ashamed."),
        ("suggestion", "Please help me with my refund."),
        ("intent", "I recommend sizing down."),
        ("competitor", "Can I top up with Google Pay?"),
        ("job", "Excellent for colder weather."),
        ("pain", "Hard to beat for the price."),
        ("value", "I ordered a plus size."),
        ("hope", "I wanted it to work so badly."),
        ("hope", "I wish I had bought the bigger size."),
    ],
)
def test_cue_ignores_negated_or_lookalike(facet: str, text: str) -> None:
    assert facet not in detect_one(text)


def test_negated_appraisal_reads_as_pain() -> None:
    hits = detect_one("I don't love it.")
    assert set(hits) == {"pain"}
    assert hits["pain"].evidence == "love"


def test_several_facets_in_one_statement() -> None:
    hits = detect_one("Love the color but it runs small, I'm returning it.")
    assert {"praise", "pain", "intent"} <= set(hits)


# --- competitors ----------------------------------------------------------------------------


def test_named_competitors_and_handles() -> None:
    competitors = ["Delta", "JetBlue", "Free People"]
    assert detect_one("Flying Delta next time.", competitors)["competitor"].evidence == "Delta"
    assert detect_one("@DeltaAssist treats me better", competitors)["competitor"].evidence == (
        "@DeltaAssist"
    )
    assert "competitor" in detect_one("reminds me of freepeople cardis", competitors)
    assert "intent" in detect_one("I'm switching to JetBlue.", competitors)


def test_own_company_is_not_a_competitor() -> None:
    # Tweets to @united: the pipeline passes the competitors without United.
    others = [n for key, names in AIRLINES.items() if key != "united" for n in names]
    assert "competitor" not in detect_one("@united my bag is lost again", others)
    assert "competitor" in detect_one("@united even @SouthwestAir found my bag", others)


def test_unnamed_competitor_without_a_list() -> None:
    assert "competitor" in detect_one("I switched to another provider last month.")
    assert "competitor" in detect_one("I'm taking my money to another bank.")
    assert "competitor" in detect_one("Other brands fit me better.")
    assert "competitor" not in detect_one("Flying Delta next time.")


# --- the contract ---------------------------------------------------------------------------


def test_detect_before_fit_raises() -> None:
    with pytest.raises(NotFittedError):
        FacetDetector().detect(["hello"])


def test_init_only_stores_arguments() -> None:
    detector = FacetDetector(competitors=["Delta"], threshold=0.7)
    assert detector.competitors == ["Delta"]
    assert detector.threshold == 0.7
    assert not hasattr(detector, "matchers_")


def test_threshold_drops_weaker_hits() -> None:
    text = "Planning a wedding and this dress is perfect."
    assert "job" in {h.facet for h in FacetDetector().fit().detect([text])[0]}
    strict = FacetDetector(threshold=0.95).fit().detect([text])[0]
    assert all(h.confidence >= 0.95 for h in strict)


def test_unknown_facet_in_examples_is_rejected() -> None:
    with pytest.raises(InputError, match="unknown facet"):
        FacetDetector(examples=[("text", ["mood"])]).fit()


def test_embeddings_need_an_embedder_and_one_row_per_text() -> None:
    with pytest.raises(InputError, match="embedder"):
        FacetDetector().fit().detect(["a"], np.zeros((1, 4)))

    def embed(texts: Sequence[str]) -> np.ndarray:
        return np.ones((len(texts), 4))

    with pytest.raises(InputError, match="one row per text"):
        FacetDetector().fit(embed).detect(["a", "b"], np.ones((1, 4)))


def test_output_shape_order_and_evidence() -> None:
    texts = ["", "Thanks!!", "ok", "@united lost my bag, never flying you again. I'm furious."]
    results = FacetDetector().fit().detect(texts)
    assert len(results) == len(texts)
    assert results[0] == [] and results[2] == []
    for text, hits in zip(texts, results, strict=True):
        assert [h.facet for h in hits] == [f for f in FACETS if f in {h.facet for h in hits}]
        for hit in hits:
            assert hit.evidence in text
    assert FACETS == (
        "job",
        "pain",
        "value",
        "hope",
        "fear",
        "perception",
        "competitor",
        "suggestion",
        "praise",
        "intent",
    )


def test_batches_give_the_same_answer_as_single_texts() -> None:
    texts = ["I love it", "not worried", "@united Thanks!", "never again\x00 please add wifi"] * 3
    detector = FacetDetector(competitors=["Delta"]).fit()
    assert detector.detect(texts) == [detector.detect([t])[0] for t in texts]


def test_cues_tried_where_any_could_start_find_what_a_full_search_finds() -> None:
    """`_detect_cues` tries each facet's regex only where the union of all cues matches; with
    every space offered instead (what each regex's own search would try), the hits on real
    reviews and tweets are the same."""
    reviews = pd.read_csv(DATASETS / "womens_clothing_reviews" / "reviews.csv", nrows=6000)
    tweets = pd.read_csv(DATASETS / "twitter_airline" / "Tweets.csv", nrows=4000)
    texts = reviews["Review Text"].dropna().tolist() + tweets["text"].astype(str).tolist()
    detector = FacetDetector(competitors=["Delta", "Southwest Air", "@JetBlue"]).fit()
    found = detector.detect_cues(texts)
    detector.starts_ = re.compile(" ")  # every place a cue could start after a space
    assert detector.detect_cues(texts) == found
    assert sum(map(len, found)) > 5000
    for facet in FACETS:  # every facet has hits, the named competitors among them
        assert any(h.facet == facet for hits in found for h in hits), facet


def test_cue_patterns_are_lower_case_without_capturing_groups() -> None:
    for groups in CUES.values():
        for group in groups:
            for pattern in group.patterns:
                literal = re.sub(r"\\[a-zA-Z]", "", pattern)
                assert literal == literal.lower()
                assert re.compile(pattern).groups == 0


def test_a_negative_statement_carries_pain_with_its_own_words_as_evidence() -> None:
    detector = FacetDetector().fit()
    texts = [
        "The colour is nothing like the photo.",  # no cue at all
        "The colour is nothing like the photo.",
        "The fabric is itchy.",  # a pain cue already
    ]
    found = detector.detect(texts, sentiment=np.array([-0.75, -0.45, -0.9]))
    pain = {i: h for i, hits in enumerate(found) for h in hits if h.facet == "pain"}
    assert pain[0].evidence == texts[0]
    assert pain[0].confidence == pytest.approx(0.5 + 0.3 * 0.25 / 0.5, abs=1e-4)
    assert 1 not in pain  # negative, but not clearly: no pain from sentiment
    assert pain[2].evidence == "itchy" and [h.facet for h in found[2]].count("pain") == 1
    # Another facet explains the tone (a worry, a decision, a wish): no pain is read into it.
    explained = detector.detect(
        ["Worried it will shrink.", "I'm returning it.", "I wish it came in petite."],
        sentiment=[-0.8, -0.8, -0.8],
    )
    assert [[h.facet for h in hits] for hits in explained] == [["fear"], ["intent"], ["hope"]]
    # The confidence tops out at 0.8: a stricter detector keeps only cue hits.
    strict = FacetDetector(threshold=0.85).fit().detect(texts[:1], sentiment=[-1.0])
    assert strict == [[]]
    with pytest.raises(InputError, match="one score per text"):
        detector.detect(texts, sentiment=[-0.5])
