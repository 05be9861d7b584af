"""Language identification for short customer feedback, and whether the voice stage supports it.

Holds `detect_language` (ISO 639-1 code or "und"), `language_status` and `SUPPORTED_LANGUAGES`.
Detection scores each word against hand-written function-word profiles for seven languages and
adds spelling cues (accents, endings) for words no profile knows.
"""

from __future__ import annotations

__all__ = ["LANGUAGES", "SUPPORTED_LANGUAGES", "detect_language", "language_status"]

import math
import re

LANGUAGES: tuple[str, ...] = ("en", "pt", "es", "fr", "de", "it", "nl")
SUPPORTED_LANGUAGES: frozenset[str] = frozenset({"en"})
UNDETERMINED = "und"

_EN, _PT, _ES, _FR, _DE, _IT, _NL = range(7)

# Function words and very common words, per language. A word listed for several languages
# splits its weight between them.
_PROFILES: dict[int, str] = {
    _EN: """
        a about after again against all also am an and any are aren't around as at away back
        bad be because been before being best better between both but by can can't cannot cant
        could couldn't did didn't do does doesn't doing don't done dont down each even ever
        every for from get gets getting go going good got great had has hasn't have haven't
        having he her here hers him his how i i'd i'll i'm i've if im in into is isn't it it's
        its just last let like little lol lot love made make many may me more most much must my
        never new next nice no not now of off ok okay on once one only or other our out over
        own please really right said same say see she should shouldn't since so some still such
        than thank thanks that that's the their them then there there's these they they're this
        those through to too two under until up us very want wanted was wasn't way we we're well
        were weren't what when where which while who why will with won't would wouldn't yes yet
        you you're your yours hi hello hey thx ty wtf omg guys anyone someone something nothing
        everything always already another again being whats what's wont didnt doesnt isnt wasnt
        ive youre theyre thats theres ur u r
        flight flights flying fly flew plane seat seats gate bag bags baggage luggage delayed
        delay cancelled canceled late hours hour minutes time today tomorrow tonight hold call
        phone help service customer agent crew airline airport ticket trip home thank waiting
        wait still need know think fit fits size sizes small large medium dress top shirt wear
        wore fabric color colour colors look looks looked perfect beautiful cute comfortable soft
        ordered order return returned bought buy purchase quality material pretty petite length
        long short loved awesome amazing terrible worst horrible best great excellent disappointed
        sure first people day days week work worked working back because definitely though
        sent dm refund rude sucks suck cool classic correct false apology thankyou thnx thx
        greetings rocks rules free second year ready beyond knew unbelievable hilarious life
        goal complete followed past deep dream yay yes yeah nope sorry fun happy sad angry
        comfy cozy weird low high lol lmao smh jk btw asap pls plz wow come came
        """,
    _PT: """
        a o os as um uma uns umas de do da dos das em no na nos nas ao aos à às pelo pela pelos
        pelas e é ou mas que se não nao com sem por para pra pro eu ele ela eles elas você voce
        vocês voces vc vcs me te lhe meu minha meus minhas seu sua seus suas nosso nossa isso
        isto esse essa este esta aquilo aquele aquela muito muita muitos muitas mais menos bem
        bom boa ótimo otimo ótima otima já ja ainda até ate foi foram ser está esta estou estava
        estão estao são sao ter tem tenho tinha fiz fui vou vai há ha também tambem porque pq
        pois quando onde como tudo todo toda todos todas nada nem só lá aqui agora depois antes
        q oq tb td vlw obg obrigado obrigada produto produtos entrega entregue entregou prazo
        recebi recebido receber chegou chegar chegaram loja lojas comprei compra compras veio
        pedido pedidos recomendo gostei satisfeito satisfeita qualidade dia dias correios
        previsto conforme excelente perfeito perfeita rápida rapida rápido rapido parabéns
        parabens outro outra mesmo mesma nenhum nenhuma data valor dinheiro site estão
        adorei amei adoro gostei indico recomendado sempre sobre dentro esperado compro comprar
        comprarei compraria novamente nota lindo linda lindos lindas pensei fosse maior menor
        demorou atrasou atrasado atrasada entregar sim voltarei voltaria tá ta faltando falta
        neste nesta nessa nesse numa num ótimos otimos ótimas otimas bons boas eficiente
        atendimento vendedor aguardando esperando apenas porém porem acho ficou certo errado
        veio vieram estar seria poderia deveria recebemos recebeu gente tô pedi quero
        reclamar reclamação problema problemas tive vale pena bonito bonita delicado foto
        """,
    _ES: """
        el la los las de del y en que es un una unos unas por para con no se lo le les su sus al
        muy pero más mas como está esta este esto estos estas hay ya todo toda todos también
        tambien gracias bueno buena mi mis yo tu tú usted ustedes porque cuando donde dónde fue
        ser son sin sobre nos hasta desde entre ni bien tiene tengo tienen hace puede eso ese
        esa aquí aqui así asi después despues ahora siempre nunca nada algo mucho mucha muchos
        poco otro otra sí él ella ellos qué cómo estoy estaba era han ha he hemos vuelo equipaje
        hola pedido compra excelente producto entrega dia días
        """,
    _FR: """
        le la les de des du un une et est en que qui ne pas pour dans sur avec ce cette ces il
        elle ils elles je j vous nous on au aux mais ou où plus très tres bien tout tous toute
        son sa ses mon ma mes ton ta leur leurs y été être avoir ai as a merci
        bonjour vol bagage comme fait faire sont suis était etait avons avez aussi encore jamais
        toujours rien peu si même meme chez sans après apres avant depuis ça ca cela ceci donc
        car alors quand parce aucun produit livraison
        """,
    _DE: """
        der die das und ist nicht ein eine einen einem einer zu den dem des mit von auf für fur
        ich du er sie es wir ihr im sich auch so noch nur wie bei aus nach um am oder aber wenn
        dass daß war wurde werden wird sind hat haben habe kann können sehr schon mein meine
        dein kein keine nichts gut danke bitte mehr hier jetzt immer heute was wer wo warum weil
        über vom zum zur man doch ja nein ganz alle viel flug gepäck leider
        """,
    _IT: """
        il lo la i gli le di del della dei delle dello degli e è un una uno che non per con in da
        su al alla ai alle nel nella sono ho ha hanno mi ti si ci vi ma come anche più piu molto
        tutto tutti questo questa quello quella cosa se perché perche quando dove ancora già gia
        sempre mai grazie buono bene volo bagaglio sei siamo era essere fatto stato io lui lei
        noi voi loro mio mia suo sua nostro prodotto consegna
        """,
    _NL: """
        de het een en van ik je is dat die niet te in op met voor zijn er maar om aan ook als bij
        of nog wel naar dan kan uit wat hij zij ze we wij mijn jullie u heb heeft hebben was werd
        worden geen niets veel heel goed dank bedankt alleen nu hier daar waar waarom omdat door
        over toch al zo deze dit vlucht
        """,
}

# Word endings for words no profile knows: (ending, languages).
_ENDINGS: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("ções", (_PT,)),
    ("ção", (_PT,)),
    ("coes", (_PT,)),
    ("cao", (_PT,)),
    ("dade", (_PT,)),
    ("inho", (_PT,)),
    ("inha", (_PT,)),
    ("agem", (_PT,)),
    ("ciones", (_ES,)),
    ("ción", (_ES,)),
    ("cion", (_ES,)),
    ("dad", (_ES,)),
    ("zione", (_IT,)),
    ("zioni", (_IT,)),
    ("mente", (_PT, _ES, _IT)),
    ("ado", (_PT, _ES)),
    ("ada", (_PT, _ES)),
    ("ido", (_PT, _ES)),
    ("ida", (_PT, _ES)),
    ("eux", (_FR,)),
    ("eau", (_FR,)),
    ("aux", (_FR,)),
    ("ung", (_DE,)),
    ("keit", (_DE,)),
    ("heit", (_DE,)),
    ("lich", (_DE,)),
    ("ijk", (_NL,)),
    ("heid", (_NL,)),
    ("tje", (_NL,)),
    ("ing", (_EN,)),
    ("ness", (_EN,)),
    ("ful", (_EN,)),
    ("ight", (_EN,)),
    ("ly", (_EN,)),
    ("ed", (_EN,)),
    ("'s", (_EN,)),
    ("n't", (_EN,)),
)

# Letters that mark a language when they appear inside an unknown word.
_LETTERS: dict[str, tuple[int, ...]] = {
    "ã": (_PT,),
    "õ": (_PT,),
    "ç": (_PT, _FR),
    "ñ": (_ES,),
    "ß": (_DE,),
    "ä": (_DE,),
    "ö": (_DE,),
    "ü": (_DE,),
    "è": (_FR, _IT),
    "ê": (_FR, _PT),
    "â": (_FR, _PT),
    "ô": (_FR, _PT),
    "à": (_FR, _IT, _PT),
    "ì": (_IT,),
    "ò": (_IT,),
    "ù": (_FR, _IT),
    "û": (_FR,),
    "î": (_FR,),
    "œ": (_FR,),
    "ë": (_FR, _NL),
    "á": (_PT, _ES),
    "í": (_PT, _ES),
    "ó": (_PT, _ES),
    "ú": (_PT, _ES),
    "é": (_PT, _ES, _FR, _IT),
}

_FRENCH_ELISIONS = frozenset({"l'", "d'", "j'", "n'", "c'", "s'", "m'", "t'"})
_CUE_WEIGHT = 0.6
_LAST_LATIN = 0x024F
_MAX_CACHE = 50_000

Contribution = tuple[tuple[int, float], ...]


def _build_words() -> dict[str, Contribution]:
    owners: dict[str, set[int]] = {}
    for lang, words in _PROFILES.items():
        for word in words.split():
            owners.setdefault(word, set()).add(lang)
            owners.setdefault(word.replace("'", "’"), set()).add(lang)
    return {
        word: tuple((lang, 1.0 / len(langs)) for lang in sorted(langs))
        for word, langs in owners.items()
    }


_WORDS: dict[str, Contribution] = _build_words()
_KNOWN: frozenset[str] = frozenset(_WORDS)
# The same evidence as one score per language, so that a text's words can be summed in one go.
_VECTORS: dict[str, tuple[float, ...]] = {
    word: tuple(dict(contribution).get(lang, 0.0) for lang in range(len(LANGUAGES)))
    for word, contribution in _WORDS.items()
}
_NO_SCORES = (0.0,) * len(LANGUAGES)
_CUES: dict[str, Contribution] = {}

# Lower-case Latin letters used by the seven languages, with apostrophes ("don't", "l'avion").
_WORD = re.compile(r"[a-zß-öø-ÿœ'’]+")
# URLs, e-mail addresses and @handles, which say nothing about the language.
_NOISE = re.compile(r"(?<![\w.+-])[\w.+-]++@[\w.-]+|@\w+|(?:https?://|www\.)\S+")

# Above this many words, a text without links is long enough to weigh without a closer look.
_CLOSE_LOOK = 8
# The known-word evidence needed to decide without looking at spelling cues.
_SURE_SCORE = 2.0
_SURE_MARGIN = 1.0


def _cue(word: str) -> Contribution:
    """The evidence carried by a word that no profile lists."""
    cached = _CUES.get(word)
    if cached is not None:
        return cached
    found: Contribution = ()
    bare = word.strip("'’")
    if bare[:2] in _FRENCH_ELISIONS or bare[:3] == "qu'":
        found = ((_FR, _CUE_WEIGHT),)
    elif len(bare) >= 3:
        for ending, langs in _ENDINGS:
            if bare.endswith(ending):
                found = tuple((lang, _CUE_WEIGHT / len(langs)) for lang in langs)
                break
        else:
            if not bare.isascii():
                for char in bare:
                    letter_langs = _LETTERS.get(char)
                    if letter_langs:
                        weight = _CUE_WEIGHT / len(letter_langs)
                        found = tuple((lang, weight) for lang in letter_langs)
                        break
    if len(_CUES) >= _MAX_CACHE:
        _CUES.clear()
    _CUES[word] = found
    return found


def _best(scores: list[float]) -> tuple[int, float, float]:
    """The leading language, its score and the runner-up's score."""
    ordered = sorted(scores)
    return scores.index(ordered[-1]), ordered[-1], ordered[-2]


def _short_answer(words: list[str]) -> str:
    """A language for a text of one or two words: only when every clue points one way."""
    exclusive: set[int] = set()
    for word in words:
        contribution = _WORDS.get(word) or _cue(word)
        if len(contribution) == 1:
            exclusive.add(contribution[0][0])
    return LANGUAGES[exclusive.pop()] if len(exclusive) == 1 else UNDETERMINED


def detect_language(text: str) -> str:
    """The ISO 639-1 code of the text's language, or "und" when it is too short or ambiguous."""
    lowered = text.lower()
    words = _WORD.findall(lowered)
    if len(words) < _CLOSE_LOOK or "://" in lowered or "www." in lowered:
        # Pieces of links ("t", "co", "zo") would count as words: drop links first.
        words = _WORD.findall(_NOISE.sub(" ", lowered))
        if len(words) < 3:
            return _short_answer(words)
    distinct = set(words)
    vectors = map(_VECTORS.__getitem__, distinct & _KNOWN)
    scores = list(map(math.fsum, zip(_NO_SCORES, *vectors, strict=True)))
    best, top, runner_up = _best(scores)
    if top < _SURE_SCORE or top - runner_up < _SURE_MARGIN:
        for word in distinct - _KNOWN:
            for lang, weight in _cue(word):
                scores[lang] += weight
        best, top, runner_up = _best(scores)
    if top < 1.0 or top - runner_up < 0.5:
        return UNDETERMINED
    return LANGUAGES[best]


def language_status(text: str, language: str | None = None) -> str:
    """Whether the voice stage can read the text: "ok", "unsupported language" or "too short".
    `language`: the text's `detect_language` result, when the caller already has it."""
    language = detect_language(text) if language is None else language
    if language == UNDETERMINED:
        # Words in another script (Cyrillic, Greek, CJK...) are not too short, only unknown.
        foreign = sum(1 for char in text if char.isalpha() and ord(char) > _LAST_LATIN)
        return "unsupported language" if foreign >= 3 else "too short"
    return "ok" if language in SUPPORTED_LANGUAGES else "unsupported language"
