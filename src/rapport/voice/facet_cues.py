"""The hand-written cue phrases behind the facet detector.

Holds `CueGroup` (patterns that share a confidence and a negation rule), `CUES` (the cue groups of
each facet) and the competitor-switching phrases (`SWITCH_TO_NAMED`); the prototype sentences
for the embedding match are in `facet_prototypes.py`. Patterns are regular-expression fragments
written in lower case and matched as whole words against the lower-cased statement in which
punctuation other than `' ’ # @ & $ % +` reads as a space (so "re-order" is written "re order");
they use only non-capturing groups. Nothing here is tied to one industry: airlines, clothing,
banking, retail and software customers are all meant to be covered.
"""

from __future__ import annotations

__all__ = ["CUES", "SWITCH_TO_NAMED", "CueGroup"]

from dataclasses import dataclass


@dataclass(frozen=True)
class CueGroup:
    """Cue patterns with one confidence; `negatable` cues are dropped when a negator precedes
    them in the same clause ("not worried", "I don't love it")."""

    confidence: float
    patterns: tuple[str, ...]
    negatable: bool = True


# Words that qualify a purchase, used by several facets.
_BUY = r"(?:buy|buying|order|ordering|shop|shopping|purchase|purchasing|use|using|fly|flying|book"
_BUY += r"|booking|bank|banking|stay|staying|come|coming|visit|visiting|do business|deal)"
_FIT_ADJ = r"(?:small|short|long|large|big|tight|loose|snug|baggy|boxy|wide|narrow|low|high|thin)"
_FIT_ADJ_ER = r"(?:smaller|shorter|longer|larger|bigger|tighter|looser|wider|narrower|lower|higher)"
_COMPANY_NOUN = (
    r"(?:airline|airlines|carrier|company|companies|bank|banks|brand|brands|store|stores|shop"
    r"|shops|retailer|retailers|merchant|merchants|provider|providers|business|businesses"
    r"|service|services|app|apps|vendor|vendors|supplier|suppliers|site|sites|website|websites"
    r"|platform|platforms|operator|operators|insurer|insurers|hotel|hotels|restaurant"
    r"|restaurants|product|products|tool|tools|label|labels|designer|designers|firm|firms)"
)
# "more problems than anyone else": a view of the company set against all the others (both
# perception and competitor).
_THAN_THE_REST = (
    r"(?:\w+ )?than (?:anyone|anybody|everyone|any other|all the other|the other|other)"
    r" ?(?:else|\w+)?"
)
_OCCASION = (
    r"(?:wedding|weddings|funeral|honeymoon|vacation|vacay|vaca|holiday|holidays|trip|business"
    r" trip|work trip|conference|interview|job interview|meeting|party|parties|birthday"
    r"|anniversary|anni|graduation|reunion|cruise|banquet|brunch|church|shower|baby shower"
    r"|bridal shower|date night"
    r"|date|prom|gala|event|occasion|ceremony|christening|baptism|concert|festival|move|moving"
    r"|commute|office|work|job|daughter|son|kids|children|wife|husband|mom|mother|dad|father"
    r"|family|parents|baby|grandkids|team|staff|employees|clients|customers|students|class"
    r"|school|business|company|shop|store|startup|salary|rent|mortgage|tuition|studies|marathon"
    r"|race|charity)"
)

CUES: dict[str, tuple[CueGroup, ...]] = {
    "job": (
        CueGroup(
            0.85,
            negatable=False,
            patterns=(
                rf"for (?:my|our|a|an|the|his|her|their|this|that|your) (?:\w+ ){{0,2}}{_OCCASION}",
                r"(?:my|our) (?:\w+ ){0,2}(?:wedding|funeral|honeymoon|vacation|anni\w* trip"
                r"|business trip|work trip|birthday|anniversary|graduation|reunion)",
                r"(?:to|for) (?:wear|use|take|bring|carry) (?:it |them |this |these )?(?:to|at|for|"
                r"on|in) (?:work|the office|church|weddings?|parties|a wedding|a party|school"
                r"|events?|dinner|the beach|interviews?|meetings?)",
                r"(?:for|to|at|from) (?:work|the office)",
                r"business (?:trip|travel)|biz travel|work travel|on business",
                r"(?:need|needs|needed) (?:it|this|them|one|something) (?:to|for)",
                r"(?:i|we) (?:use|used|will use|need|want) (?:it|this|them|these|the \w+"
                r"|your \w+|my \w+|our \w+) (?:for|to)",
                r"(?:planning|plan|plans|planned) (?:to|on|for)",
                r"(?:i|we) (?:need|needed|want) to (?:get|be|go|fly|travel|make it|send"
                r"|pay|transfer|move|visit|attend|see)",
                r"(?:visit|visiting|see|seeing) (?:my|our) \w+",
                r"(?:get|getting|got|go|going) (?:me |us )?(?:home|back home) (?:for|in time|to)",
                r"in time for",
                r"(?:while|when|for) (?:i'm |i am |we're |we are )?(?:travel\w*|abroad|overseas"
                r"|on holiday|on vacation|away)",
                r"(?:travel\w*|living|live|moving|move|studying) (?:abroad|overseas)",
                r"(?:my|our) (?:salary|wages|pay|paycheck|pension|rent|mortgage|tuition)",
                r"account for (?:my|our) \w+",
                r"(?:maternity|pregnan\w*|post ?partum|nursing|breastfeeding)",
                r"(?:i was|i'm|i am|we were|we are) (?:looking|shopping|searching) for",
                r"(?:i'm|i am|we're|we are|i'll be|we'll be) (?:\w+ )?(?:on holiday|on vacation"
                r"|travel\w*|abroad|overseas|away on)",
                r"travel\w* with (?:my |our |a |two |three |\d+ )?(?:little |young |small )?(?:kids"
                r"|children|child|baby|babies|toddlers?|infants?|family|son|daughter|wife|husband"
                r"|parents|elderly)",
                r"death in (?:the|my|our) family|funerals|(?:dying|sick|elderly|newborn) (?:\w+ )?"
                r"(?:mother|father|mom|dad|nephew|niece|son|daughter|relative|grandma|grandmother"
                r"|grandpa|grandfather|friend|sister|brother|aunt|uncle)",
                r"(?:afternoon|morning|business|work|client|important|board) meetings?"
                r"|business travel\w*|days? of (?:lost )?work|miss(?:ed|ing)? work|lost work"
                r"|(?:don't|won't|didn't) get paid",
                r"(?:wore|wear|wearing|worn) (?:it |this |them |these |this \w+ )?(?:to )?(?:work"
                r"|the office|a party|parties|a wedding|weddings|church|the beach|the pool|dinner"
                r"|a banquet|a date|brunch)",
                r"(?:work|office) (?:day|days|staple|wardrobe|clothes|outfits?|attire|events?"
                r"|parties|party)",
                r"(?:new|first time|nursing|expecting|busy|working|single) (?:mom|mother|mum|dad"
                r"|parent)",
                r"(?:buying|purchasing|renting|bought|purchased) (?:a |my |our |the )?(?:first )?"
                r"(?:flat|house|home|car|apartment|condo)",
            ),
        ),
        CueGroup(
            0.6,
            (
                r"(?:wedding|funeral|honeymoon|vacation|anniversary|conference|interview"
                r"|graduation)",
                r"perfect for a \w+ \w+ in \w+",
            ),
        ),
    ),
    "pain": (
        CueGroup(
            0.85,
            (
                r"delay\w*|late flight\w*|(?:\d+ )?(?:hours?|hrs?|mins?|minutes) late|running late",
                r"cancell?ed(?! flighting)|cancell?ation",
                r"lost|missing(?! you)|misplaced"
                r"|missed(?: my| our| the)? (?:flight|connection|bus|train)",
                r"on hold|(?:still|been|keep|kept|long|forever) (?:waiting|wait)|wait(?:ed|ing)? "
                r"(?:for )?(?:\d+|an?|two|three|several|over|almost|more than) (?:\w+ )?"
                r"(?:hours?|hrs?|mins?|minutes|days|weeks)",
                r"stuck|stranded|trapped|sitting on the (?:tarmac|ground|runway|plane)",
                r"rude|unhelpful|unprofessional|incompetent|useless|insulted|ignored|hung up",
                r"broken|broke|damaged|ripped|torn|tore|stain\w*|faded|pilling|pilled|unraveled"
                r"|shr[ua]nk|fell apart|falls? apart|defective|faulty|crash\w*|glitch\w*|bug\w*",
                r"(?:over)?charged|overcharge\w*|double charged|extra (?:fee|charge|cost)s?"
                r"|hidden fees?|unexpected fees?|fee|fees",
                r"declined|rejected|refused|denied|blocked|frozen|locked out|suspended",
                r"fraud\w*|stolen|scam\w*|hacked|compromised|unauthori[sz]ed",
                r"terrible|horrible|awful|horrendous|atrocious|dreadful|pathetic|ridiculous"
                r"|unacceptable|disgusting|disgrace\w*|shameful|ashamed|appalling|worst|sucks?"
                r"|lousy|poor\w*|bad|worse|rotten|crappy|crap|shitty|shit",
                r"disappoint\w*|frustrat\w*|annoy\w*|upset|angry|furious|livid|fed up|sick of"
                r"|tired of|unhappy|not happy|dissatisfied|irritat\w*|sad|sadly|unfortunately"
                r"|regret\w*|gripe|complain\w*|downside|drawback|flaw\w*",
                r"problem|problems|issue|issues|trouble|error|errors|mistake|mistakes|fail\w*"
                r"|#\w*fail\w*|mess|messed up|screwed up|nightmare|hassle|joke|wrong",
                r"itchy|itch|scratchy|see through|sheer|unflattering|unshapely|shapeless"
                r"|frumpy|drab|boxy|bulky|clingy|stiff|flimsy|cheap(?:ly)?(?: made| looking)?"
                r"|strange|weird"
                r"|odd|awkward|uncomfortable|unwearable|lacks|lacking|gaping|gapes|bunch\w*",
                rf"(?:too|overly|way too|a bit|a little|slightly|kind of|really|very|so)"
                rf" {_FIT_ADJ}",
                rf"runs? {_FIT_ADJ}|(?:sized|size|go|went|going) (?:up|down)"
                rf"|on the {_FIT_ADJ} side|{_FIT_ADJ_ER} than (?:i'd|i would|i) (?:like|liked"
                rf"|prefer|expected|wanted)",
                r"forced to|no choice|not enough",
                r"scared my money|money is gone",
            ),
        ),
        CueGroup(
            0.85,
            (
                r"(?:not|isn't|is not|wasn't|aren't|doesn't|does not|didn't|did not|won't|can't"
                r"|cannot|couldn't|still not|never|hasn't|has not|haven't|have not|isnt|wasnt"
                r"|doesnt|didnt|wont|cant|couldnt|hasnt|havent|arent) (?:\w+ )?"
                r"(?:work\w*|arrived?|received?|come through|came through|gone through|go through"
                r"|went through|show\w*|load\w*|respond\w*|answer\w*|reply\w*|fit\w*|help\w*"
                r"|get|got|reach|print|log|open|see|find|refund\w*|recogni[sz]e|make|made|cover|flattering"
                r"|happen\w*|correct|right|accurate|authori[sz]\w*|process\w*|mine|move|talk"
                r"|speak|board|access|use|log in|login|go through)",
                r"no (?:one|answer|response|reply|help|bag|bags|luggage|refund|update|updates"
                r"|info\w*|communication|comms|gate|seat|seats|wifi|power|recourse|way|show)",
                r"nobody|nothing (?:works|happened|has been done)|still (?:no|not|nothing"
                r"|waiting|haven't|hasn't|don't)|(?:is|are|was) down|times? out|unable to",
                r"why (?:was|were|does|do|did|has|have|would|won't|can't|isn't|wasn't"
                r"|didn't|doesn't|am i|is my|are my|is it taking|is this taking|didnt|doesnt"
                r"|wont|cant|isnt|should i|must i|hasn't|haven't|hasnt|havent)"
                r"|what's (?:up|going on) with|whats (?:up|going on)|what's up$",
                r"(?:don't|do not|still don't|didn't|did not) (?:have|get|got) (?:my|the|it|any)",
                r"(?:wish|wished) (?:it|they|these|this|the \w+) (?:was|were|had|would|wasn't"
                r"|weren't|ran|fit)",
                r"false hope|thanks for nothing|thanks a lot for nothing",
                r"(?:transaction|payment|charge|withdrawal|transfer)s? (?:that )?i (?:didn't"
                r"|did not|don't|do not|never) (?:make|made|recogni[sz]e|authori[sz]e)",
                r"(?:fix|sort out|resolve) (?:my|this|the)",
                r"incorrect|inaccurate|revert\w*|reversed|bounced|outage\w*|trash|garbage|junk"
                r"|ignor\w*|down side|no justice|nonsense|ripoff|rip off|ripped off",
                r"still (?:be )?pending|(?:is|are|been|showing|shows|showing up as|stuck) (?:as )?"
                r"pending|pending (?:for|since|why)",
                r"(?:don't|do not|can't|cannot|didn't|dont|cant|didnt) see (?:it|the|my|any|them"
                r"|that)",
                r"where(?:'s| is| are) (?:my|our) (?:\w+ )?(?:bag|bags|luggage|refund|money|order"
                r"|package|parcel|card|delivery|transfer|payment|stuff)",
                r"(?:wish|wished) (?:i|we) (?:had|would have|'d) (?:bought|ordered|gotten|got|sized"
                r"|chosen|picked|gone|known|read)",
                r"(?:ran|run|runs|running) (?:\w+ )?" + _FIT_ADJ + r"|more " + _FIT_ADJ
                + r"|(?:is|are|was|were) " + _FIT_ADJ + r" (?:in|at|around|through|across) the",
                r"too much (?:fabric|material|room|volume|space)|too many",
                r"(?:hard|difficult|impossible|tough) to(?! beat| resist| find a better| top)",
                r"not (?:really |great |good |made |meant )?for (?:girls|women|ladies|people|anyone"
                r"|those|someone|us) (?:with|who)",
                r"getting (?:\w+ )?old|enough (?:with|already)|nothing (?:\w+ )?(?:can|could)"
                r" (?:do|be done)",
            ),
            negatable=False,
        ),
    ),
    "value": (
        CueGroup(
            0.85,
            (
                r"(?:matters?|important|essential|crucial|key|everything|a must) (?:to|for) me",
                r"(?:the )?most important(?:ly)?|(?:what|all) i (?:care|cared) about|i (?:really "
                r")?(?:care|cared) (?:about|a lot about)|i value|i appreciate (?:a|the|when|that)",
                r"i (?:\w+ )?(?:prefer|preferred)|(?:my|personal) preference|which i prefer",
                r"(?:is|are) a must|must have|deal ?breaker|non ?negotiable|priority",
                r"(?:i|we) (?:really )?(?:need|needed|want|wanted|like|love|look for|expect"
                r"|was looking for|am looking for|'m looking for)"
                r" (?:a|an|some|something|clothes|clothing|shoes|products?|service|airlines?"
                r"|companies|banks?) (?:\w+ ){0,2}(?:that|which|with|who)",
                r"(?:i|we) need (?:a little |a bit |some )?more",
                r"(?:more|way more|not) my (?:speed|style|thing|taste|cup of tea)",
                r"(?:exactly )?the (?:style|fit|look|kind|type|cut) (?:i|we) (?:all )?(?:love|like"
                r"|want|prefer|look for)|(?:we|i) all want",
                r"(?:i'm|i am) (?:not )?(?:usually |normally |generally )?(?:a fan of|into)"
                r" (?:\w+ ){0,3}(?:but|so)",
                r"responsibl\w*|sustainab\w*|ethical\w*|eco ?friendly|fair trade|organic"
                r"|locally made|made in (?:the )?usa",
                r"for better (?:\w+ )?(?:experience|service|seats|prices|value|quality)",
                r"understands?|(?:reliab\w*|punctual\w*|on time|convenien\w*|flexib\w*"
                r"|transparen\w*|trust\w*|honest\w*|safety) (?:is|are|matters|counts)",
                r"(?:like|as) other (?:airlines|banks|brands|stores|companies|providers)",
                r"(?:is|are|was|were) (?:so |very |really |absolutely |just )?(?:vital|essential"
                r"|crucial|paramount)",
                r"(?:always|definitely|also|another|a big|a huge|a major|a real|a nice|an added"
                r"|a great) (?:a )?plus(?! siz)",
                r"(?:i|we) (?:always|usually|generally|normally|typically|tend to) (?:like|love"
                r"|look for|prefer|want|need|go for|choose|gravitate)",
                r"(?:always|forever|constantly|still) (?:looking|searching|hunting|on the hunt"
                r"|on the lookout) for|(?:searching|looking|hunting) (?:high and low|everywhere"
                r"|forever|for ages|for years) for",
                r"(?:i'm|i am|i've been) (?:so )?used to|(?:usually|normally|generally)"
                r" (?:am |i'm )?(?:not )?(?:interested in|into|drawn to)"
                r"|not (?:usually |normally |generally )?interested in"
                r"|usually (?:isn't|is not|aren't|are not) the case",
                r"avoid (?:a |the |any |paying |extra )?(?:fees?|charges?|costs?|interest)",
                r"(?:i|we) (?:just |simply |only |really |always )?expect (?:a |an |the |more"
                r"|better|higher|some|basic|accurate|decent|good|honest)",
                r"(?:a )?(?:nice|welcome|refreshing) change from|(?:fit|fits|suit|suits|match"
                r"|matches) my (?:style|taste|lifestyle|aesthetic|needs)",
                r"(?:i|we) (?:don't|do not) like (?:to |it when |when |my \w+ to |things "
                r"|anything |clothes |tops |dresses |pants |skirts )",
                r"(?:usually|normally|generally|always|typically),? (?:i|we) (?:like|love|want"
                r"|prefer|need|look for|go for|choose)",
                r"would(?:'ve| have) (?:appreciated|preferred|liked|valued)",
            ),
        ),
        CueGroup(
            0.85,
            negatable=False,
            patterns=(
                r"(?:not |well |totally |definitely |so |is |isn't |was |wasn't )?worth (?:it|the"
                r"|every|buying|paying|\$|\d)|over ?priced|(?:full|sale|regular|retail|original)"
                r" price|price (?:point|tag)|(?:for|at) (?:the|this|that|a|such a) (?:\w+ )?"
                r"(?:price|cost|money)|(?:because|mainly because) of the (?:price|cost)"
                r"|(?:a|such a) steal"
                r"|to cost \$?\d+|pay more|paying more|(?:without|no) (?:any )?(?:extra|additional"
                r"|hidden) (?:cost|costs|fees?|charges?)|value for money|bang for",
            ),
        ),
    ),
    "hope": (
        CueGroup(
            0.9,
            (
                r"(?:i wish|wish (?:you|it|they|these|this|there|that|the|i could|we could"
                r"|more))(?! i had| i'd| i would have| i could have| i hadn't)",
                r"hopefully|h(?<!false h)ope|hoping|i hope|here's hoping|fingers crossed"
                r"|praying|pray",
                r"(?:name|he|she|they|we|team|manager|staff|owner|boss|everyone) hopes",
                r"would (?:really |so |just )?love|i'd (?:really |so )?love|would (?:really )?like"
                r" (?:to|it|them|a|an|some|more)|i'd like (?:to see|it|them|a|an|more)",
                r"(?:what|all) i (?:would like|want|need|wanted) is",
                r"if only|would be (?:so |really )?(?:nice|great|awesome|perfect|lovely|amazing"
                r"|the perfect|helpful|better) (?:if|to|flight|\w+)",
                r"i (?:just |really )?want (?:the|my|it|them|something|what)(?! to(?!\w))",
                r"looking forward to|can't wait (?:for|to|until) (?:the|your|it|you)",
                r"counting on (?:you|y'all|u|your)|(?:don't|do not) let (?:me|us) down",
                r"any (?:possible )?(?:chance|possibility) (?:of|that|you|for)",
                r"wish (?!i |i'd|i'm|we |we'd)\w+ (?:\w+ )?(?:offered|made|had|came|carried|sold"
                r"|would|could|was|were|did|does|has|have)",
                r"(?:wanted|want|would want|would have liked|hoped) (?:it|them|this|these|the \w+)"
                r" to (?:be|have|come|run)",
                r"would be (?:so |really )?(?:nice|great|awesome|lovely|helpful|appreciated)",
            ),
        ),
    ),
    "fear": (
        CueGroup(
            0.9,
            (
                r"afraid (?:of|that|to|i(?:'d|'ll|'m)?|it(?:'ll|'s)?|my|we(?:'ll)?|they(?:'ll)?"
                r"|this|the|for|about|he|she|you(?:'ll)?|someone(?:'s)?)",
                r"(?:so|very|really|bit|a bit|little|a little|too|always|was|were|been|be"
                r"|getting) afraid",
                r"worr\w*|scared|scary|scares?|frighten\w*|terrif\w*|nervous\w*|anxious\w*"
                r"|anxiety|concerned|concerns?|concerning|fear\w*|panic\w*|dread\w*|wary"
                r"|hesita\w*|apprehensi\w*|skeptical|sceptical|uneasy|stressed|stressing"
                r"|freaking out|freaked out|paranoid",
                r"what if|what happens if|in case|at risk|risk of|risky|may not make"
                r"|won't make it|miss my connection|(?:is|are) (?:it|they|my \w+) safe",
                r"(?:could|might|may) (?:\w+ )?(?:be|get) (?:stuck|stranded|cancell?ed|delayed|lost"
                r"|charged|declined|bumped|left behind)",
                r"need to be (?:certain|sure)|(?:take|taking|took) a (?:chance|gamble|risk)"
                r"|risk it",
            ),
        ),
    ),
    "perception": (
        CueGroup(
            0.85,
            (
                r"(?:you|you guys|y'all|you all|you people|u guys|you're|ur)(?: are| 're| really"
                r" are| have| has)? (?:the|always|never|so|such|clearly|consistently|still|not"
                r"|really|very|not very|not so) (?:the )?"
                r"(?:best|worst|greatest|great|amazing|awesome|terrible|awful|horrible|reliable"
                r"|unreliable|late|on time|helpful|good|bad|rude|disappointing|a joke|at it)",
                r"(?:you|you guys|y'all|you people|they) (?:always|never|consistently|constantly"
                r"|continually|clearly|obviously|really|just|simply) (?:\w+ )?(?:do|don't|care"
                r"|deliver|disappoint|fail|get|let|make|treat|lose|screw|mess|impress|exceed)",
                r"(?:you|they) (?:clearly |obviously |just |really |simply )?(?:don't|do not)"
                r" care",
                r"(?:best|worst|greatest|favou?rite|most reliable|least reliable|only) (?:\w+ )?"
                rf"{_COMPANY_NOUN}",
                r"(?:worst|best|great|terrible|awful|horrible|amazing|excellent|poor|bad)"
                r" (?:\w+ )?customer (?:service|care|support|experience)",
                r"this (?:brand|company|airline|bank|store|retailer|label|designer|shop)"
                r"|the brand|(?:retailer|brand|designer|company|airline|bank|store) (?:is|has"
                r"|always|never|does|makes|is known|is famous|keeps|continues)",
                r"never (?:disappoints?|fails?|lets? (?:me|us) down)|always (?:disappoints?|fails?"
                r"|lets? (?:me|us) down|delivers?|comes? through|late|delayed|on time)",
                r"as usual|once again|yet again|at it again"
                r"|every (?:single )?time(?! i (?:wear|put|wash|use))"
                r"|(?<!my )typical(?! (?:size|sizing|fit|day|\"))"
                r"|as always|per usual|same old|famous for|known for|reputation|loyal\w*"
                r"|one company|your company|this company|(?:great|good|bad) luck with",
                r"#\w*(?:rocks|sucks|love|nocare|worst|best|never)\w*"
                r"|i (?:love|hate|adore) (?:you guys|retailer|this brand|this store|this company"
                r"|this bank|this airline|your company|your brand|y'all|you)",
                r"@\w+ (?:is|are|has been|continues to be|remains|was) (?:the |so |always |still "
                r"|by far the |simply the |truly the )?(?:best|worst|greatest|awesome|amazing"
                r"|terrible|awful|horrible|a joke|a disgrace)",
                r"(?:your|their|the) customer (?:service|care|support|relations)(?: \w+){0,4} (?:is"
                r"|are|has been|was|have been) (?:\w+ ){0,3}(?:best|worst|awful|horrible|terrible"
                r"|amazing|excellent|outstanding|a joke|pathetic|nonexistent|non existent)",
                r"consistent\w* (?:been )?(?:the )?(?:very )?(?:best|worst|good|great|bad|poor|late"
                r"|excellent|awful|terrible|amazing|reliable|unreliable)",
                r"(?:huge|big|biggest|long ?time|die ?hard|lifelong|devoted) (?:\w+ )?fans?",
                r"(?:screw\w*|mess\w*|fail\w*|does it|did it|strikes|blew it|drops? the ball)"
                r" (?:up )?again|to be expected|what a surprise|no surprise|not surprised",
                r"continues? to (?:win|disappoint|fail|impress|amaze|deliver|let|exceed|suck"
                r"|be the best|be the worst)",
                r"always (?:been )?(?:so )?(?:awful|terrible|horrible|a nightmare|a pleasure|a joy"
                r"|pleased|impressed|satisfied|happy with|loved|disappointed)",
                r"(?:how can|how do) (?:you|they|y'all) (?:possibly |even )?(?:do business"
                r"|stay in business|call yourselves)",
                r"#\w*(?:dontcare|notcare|outoftouch|badmgmt|badmanagement|poormanagement)\w*",
                r"(?:you|you guys|y'all|you all|u guys) (?:are|'re|r) (?:\w+ )?(?:horrible|awful"
                r"|terrible|awesome|amazing|great|wonderful|fantastic|useless|incompetent|pathetic"
                r"|ridiculous|rude|the best|the worst|a joke|a disgrace|a mess|clueless|heroes)",
                r"(?:love|luv|adore|hate) (?:you|u) (?:guys|all|people)|(?:love|luv|adore|hate)"
                r" y'?all|how (?:awesome|great|amazing|good|bad|terrible|awful) (?:you|you guys"
                r"|y'all|your (?:airline|company|bank|brand|store)) (?:are|is)",
                r"(?:expectations?|opinion|view|impression|image) of (?:your|this|the)"
                r" (?:airline|company|bank|brand|store|business)|(?:your|this) (?:airline|company"
                r"|bank|brand|store) (?:ruins?|ruined|sucks|rocks|has become|used to)",
                r"(?:always|constantly|keeps?|continually) (?:letting|lets?|let) (?:me|us) down"
                r"|used to be (?:my|our|the|a) (?:\w+ )?(?:go-to|go to|favou?rite|first choice"
                r"|airline|bank|brand|store)",
                r"consistently (?:subpar|mediocre|disappointing|excellent|rude|bad|poor|great)"
                r"|another (?:epic )?(?:fail|failure|disappointment|screw ?up|mess|debacle)"
                r"|still (?:need|needs) to improve",
                r"(?:most|half|all|much|\d+ ?%) of my (?:clothes|clothing|wardrobe|closet)"
                r" (?:is|are|comes?) from|(?:styles?|quality|sizing|service|fit) (?:has|have|is"
                r"|are) (?:\w+ )?(?:gone|going) (?:down ?hill|south|in a direction)",
                r"(?:you|you guys|y'all) (?:have|'ve) (?:really |truly |always |consistently )?"
                r"(?:handled|outdone|nailed|earned)",
                rf"(?:more|fewer|less|better|worse) {_THAN_THE_REST}",
            ),
        ),
    ),
    "competitor": (
        CueGroup(
            0.85,
            negatable=False,
            patterns=(
                rf"(?:another|other|different|a different|a new|new) {_COMPANY_NOUN}",
                r"competitors?|competition|elsewhere|the other guys",
                r"(?:switch|switched|switching) (?:over )?(?:to|from)|switched|defect\w* to",
                r"other brands?|other stores?|other retailers?|other merchants?'?",
                r"any (?:other )?(?:airlines?|carriers?|banks?|brands?|stores?|retailers?"
                r"|providers?)",
                r"(?:airlines|banks|brands|stores|retailers|providers|carriers) compare|compare"
                r" (?:\w+ )?(?:airlines|banks|brands|stores|retailers|providers|carriers|prices)",
                r"(?:could|can|would) (?:\w+ )?(?:find|get|buy) (?:this|it|them|these|one"
                r"|something similar|the same) (?:\w+ )?(?:anywhere|elsewhere|cheaper|for less)",
                rf"(?:more|fewer|less|better|worse|cheaper) {_THAN_THE_REST}",
            ),
        ),
    ),
    "suggestion": (
        CueGroup(
            0.85,
            (
                r"please (?:\w+ )?(?:add|make|bring|offer|consider|start|stop|put|update|change"
                r"|improve|hire|train|allow|include|provide|expand|extend|carry|stock|reconsider"
                r"|work out|think about|design|create|produce|restock|keep|get more|have more)",
                r"you (?:guys |all |really |seriously |definitely |just )?(?:should|need to|needs"
                r" to|ought to|must|could|might want to|have to)"
                r"(?! (?:be|feel|know|have known|see|hear|read|try|call|send|help))",
                r"(?:should|needs? to|ought to) (?:really |seriously |definitely |also )?(?:add"
                r"|make|offer|rename|bring|reconsider|consider|hire|train|carry|start|stop|change"
                r"|improve|update|expand|provide|allow|let|fix|rethink|review|revise|design|do"
                r"|invest|put|have|include|go back|work)",
                r"why (?:don't|do not|can't|cannot|doesn't|won't) (?:you|they|y'all|retailer"
                r"|the company)|why not (?:add|offer|make|have|just)",
                r"(?:it )?would be (?:so |really )?(?:nice|great|awesome|helpful|better|good)"
                r" (?:if|to)|would be nice",
                r"asked (?:whether|if) (?:we|you) could",
                r"could we (?:please )?(?:add|offer|stock|carry|include|bring back)"
                r"|could you (?:please )?(?:offer|stock|carry|bring back)",
                r"i (?:would )?suggest(?! sizing| going| ordering| getting| you size)"
                r"|suggestion|(?:my|one) (?:advice|tip|request|idea)|feature request",
                r"bring (?:it |them |this |these )?back|take note|do better|#dobetter"
                r"|(?:fix|improve|update|change|rethink) your|you need more|(?:hire|train) more"
                r"|needs? (?:a )?(?:serious )?(?:revision|overhaul|rethink|update|improvement)",
                r"wish (?:you|they|retailer|the company) (?:would|could|flew|had|offered|made"
                r"|sold|carried|did|still)",
                r"how about (?:you |y'all )?(?:add|adding|offer|offering|make|making|hire"
                r"|hiring|train|training|more|a|an|some|all|just|giving|letting|fixing|updating)",
                r"learn to (?:hold|treat|communicate|respect|listen|manage|run|plan|schedule"
                r"|handle|answer|respond|deal|care)",
                r"would (?:\w+ ){1,4}if (?:you|your|y'all|they|retailer|the company) (?:\w+ )?"
                r"(?:had|have|would|could|offered|added|made|hired|trained|let)",
                r"(?:can|could|would|will) (?:you|y'all|u) (?:please )?(?:increase|improve|extend"
                r"|expand|consider|bring back|add more|offer more)",
                r"please (?:\w+ )?fix (?:the|your)|#fix\w*|#bringback\w*|bringing back",
                r"maybe if (?:it|they|you|retailer) (?:were|was|had|came|made|offered|added)",
                r"let (?:the|your) (?:\w+ )?(?:employees|staff|crew|team|agents) know",
            ),
        ),
    ),
    "praise": (
        CueGroup(
            0.9,
            (
                # The lookbehinds follow the first letter so that every cue starts with a letter.
                r"l(?<!would l)(?<!'d l)ov(?:e|ed|es|ing)(?! to(?!\w))|adore\w*",
                r"great|amazing|awesome|excellent|fantastic|wonderful|superb|outstanding"
                r"|terrific|fabulous|brilliant|incredible|perfect\w*|beautiful\w*|gorgeous"
                r"|stunning|lovely|cute|adorable|pretty|elegant|chic|classy|flattering|vibrant"
                r"|soft|softest|comfy|comfortable|cozy|cosy|luxurious|versatile|well made"
                r"|high quality|quality is (?:very |really |so )?good|flawless|impeccable",
                r"n(?<!be n)ice|g(?<!be g)ood(?! \d)|best"
                r"|(?:so|very|really|super|extremely|more than) happy"
                r"|happy with|glad|pleased|satisfied|impressed|helpful|friendly"
                r"|(?:so|very|were|was|is|are) kind|patient|polite|courteous|professional"
                r"|efficient|quick|fast|smooth|seamless|reliable|fun|funny|keeper|favou?rite"
                r"|fan of|a\+|10 10"
                r"|5 stars|five stars|exceeded|delighted|thrilled|grateful|kudos|bravo|shout ?out"
                r"|proud|that works|(?:you|you guys|y'all|u guys) rock",
                r"(?:thanks? (?:so much |very much |a lot |again )?(?:for|to)|thank (?:u|you)"
                r"|thanks|thx|ty|tysm)(?! for nothing| a lot for nothing| nothing)"
                r"|appreciate\w*|cheers",
            ),
        ),
    ),
    "intent": (
        CueGroup(
            0.9,
            (
                rf"never (?:\w+ )?{_BUY}(?: \w+){{0,3}} again|never again|(?:will|would|'ll|'d"
                rf"|won't|wouldn't) (?:never |not |definitely |certainly |absolutely |happily"
                rf" |gladly |probably |likely )?{_BUY}(?: \w+){{0,3}} (?:again|more)",
                r"(?:will|would|'ll|won't|wouldn't) (?:\w+ )?(?:be back|be returning|return"
                r"|recommend|be recommending|be buying|be ordering|be flying|be using|reorder"
                r"|re order|order (?:another|more|it|this|a|one)|buy (?:another|more|it|this"
                r"|a|one)|keep (?:it|them|this|these)|exchange|switch|cancel|close|stick with"
                r"|be sending|send (?:it|them) back)",
                r"(?:highly|definitely|totally|strongly|very|would|will|can't|cannot|do|i)"
                r" recommend(?! sizing| going| getting| ordering| a size| size| you size"
                r"| to size| you get| that you)|recommend (?:it|this|them|these|you|retailer"
                r"|to anyone|to everyone|to friends)",
                r"(?:return|returning|returned|send|sending|sent|going|went|goes|go|taking"
                r"|took|mail\w*|ship\w*) (?:it|this|them|these|this one|that one|one|the \w+)?"
                r" ?back|(?:return|returning|returned|exchange|exchanging|exchanged|keep|keeping"
                r"|kept) (?:it|this|them|these|both|the \w+|one|mine|for)(?! (?:undone|open"
                r"|closed|buttoned|unbuttoned|zipped|unzipped|on|off|tucked|rolled|in place|up"
                r"|down|warm))",
                r"(?:returned|exchanged|returning|exchanging) (?:\w+ )?(?:it|them|this|these|both)"
                r"|reorder\w*|re order\w*",
                r"cancel\w* (?:my|the|our|this|that)|cancell?ed flighting (?:my|the|our|this)"
                r"|(?:close|closing|delete|deleting|terminate|terminating) (?:my|our|the)"
                r" (?:\w+ )?(?:account|card|membership|subscription|plan)",
                r"(?:switch|switching|moving|move) (?:over )?to|(?:take|taking) my (?:business"
                r"|money) (?:elsewhere|somewhere else)|lost (?:a|another|my) (?:customer|business)"
                r"|from (?:now|here) on(?: out)?|here i come|no longer (?:\w+ )?(?:use|buy|fly"
                r"|shop|order|bank)",
                r"(?:next time|from now on) (?:i'll |i will |i'm |we'll |we're )?(?:fly|flying"
                r"|go|going|buy|buying|order|ordering|book|booking|use|using|shop|shopping|try)",
                r"i (?:may|might|will) not (?:\w+ )?(?:next time|again|anymore)",
                r"(?:want|wanna|need|like|looking|decided|deciding|going|plan|planning) to"
                r" (?:cancel|close|delete|return|exchange|send (?:it|them) back|switch|leave"
                r"|reorder|buy (?:it|another|more)|order (?:another|more|it))",
                r"(?:hope|plan|planning) to (?:do so|fly|buy|order|shop|come back|return|use)"
                r" (?:\w+ )?(?:more|again|soon)",
                r"never (?:have|want|need|going|gonna) to (?:\w+ )?(?:fly|use|buy|shop|bank|deal"
                r"|order|book)",
                r"consider\w* (?:getting|buying|ordering|purchasing|returning|exchanging|keeping"
                r"|switching|cancel\w*|closing|leaving|sending)",
                r"(?:sen[dt]|ship\w*|mail\w*) (?:\w+ ){1,2}back|(?:was|were|been|got|get|had it"
                r"|had them) returned|accepted (?:the|my) return"
                r"|returned (?:it |them |this |these )?(?:in store|to the store|by mail)",
                r"(?:will|i'll|going to|gonna|decided to|plan to|planning to) keep(?:ing)?",
                r"(?:buy|purchase|order|get|getting|buying|ordering|purchasing) (?:it |this |one "
                r"|them )?(?:in )?(?:another|other|a second|the other|all the other|more)"
                r" (?:colou?rs?|one|pair|size|print|pattern|style)",
                r"(?:which|whether) (?:one )?(?:to|i'll|i will|i should) (?:keep|return|send back)",
                r"(?:need|want|have|going) to cancell?(?:ed flight)? (?:a|my|the|our|this)",
                r"my last (?:\w+ )?(?:on|with|from) (?:you|your|this|them)|(?:may|might|will) be"
                r" the last time (?:i|we)|(?:going to|gonna|will|i'll|we'll) (?:just )?(?:drive"
                r"|take the train|take the bus|rent a car)",
                r"won't (?:\w+ )?(?:fly|use|buy|shop|order|book) (?:@\w+ |\w+ )?(?:ever )?again",
                r"(?:i'll|i will|will) (?:either )?(?:have to|need to) (?:pin|sew|hem|alter|tailor"
                r"|take (?:it|them) in|get (?:it|them) (?:hemmed|altered|tailored))",
            ),
        ),
    ),
}

# Verbs that, before a named competitor, state an intent to switch ("back to Delta").
SWITCH_TO_NAMED = (
    r"(?:back to|switch\w* to|mov\w* to|go\w* with|went with|choose|chose|choosing|try\w*"
    r"|fly\w*(?: with)?|book\w* with|rebook\w* with|bank\w* with|shop\w* at|stick\w* with)"
)
