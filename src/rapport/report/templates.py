"""The report's Jinja templates and style sheet, kept as strings so they ship with the code.

`TEMPLATES` maps a template name to its source for a `jinja2.DictLoader`. The page has no
script and refers to nothing outside itself: system fonts, inline SVG charts, inline CSS, and a
Content-Security-Policy that forbids loading or running anything else.
"""

from __future__ import annotations

__all__ = ["TEMPLATES"]

CSS = """
:root { color-scheme: light; --ink: #222; --muted: #666; --line: #e3e3e3; --bar: #3b6ea8;
        --neg: #c0504d; --pos: #4f9a57; --card: #f7f7f5; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.5;
       font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 16px; }
.page { max-width: 960px; margin: 0 auto; padding: 1rem; }
header.top { border-bottom: 3px solid var(--bar); margin-bottom: 1rem; }
h1 { font-size: 1.6rem; margin: 0.2rem 0; }
h2 { font-size: 1.3rem; margin: 2rem 0 0.5rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1rem 0 0.3rem; }
p, li { overflow-wrap: anywhere; }
ul { padding-left: 1.2rem; }
h4 { margin: 0.8rem 0 0.2rem; }
.muted { color: var(--muted); font-size: 0.9rem; }
.howto { background: var(--card); border-left: 4px solid var(--bar); padding: 0.6rem 0.8rem; }
nav ul { display: flex; flex-wrap: wrap; gap: 0.4rem 1rem; list-style: none; padding: 0; }
nav a { color: var(--bar); }
.row { display: flex; flex-wrap: wrap; gap: 1rem; }
.row > * { flex: 1 1 280px; min-width: 0; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 6px;
        padding: 0.8rem 1rem; }
.score { font-size: 3rem; font-weight: 700; line-height: 1; }
.missing { color: var(--muted); font-style: italic; }
svg.chart { max-width: 100%; height: auto; display: block; margin: 0.5rem 0;
            overflow: visible; }
table.ladder { align-self: center; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.92rem; }
th, td { text-align: left; padding: 0.3rem 0.5rem; border-bottom: 1px solid var(--line);
         vertical-align: top; }
td.num, th.num { text-align: right; white-space: nowrap; }
.negative { color: var(--neg); }
.positive { color: var(--pos); }
blockquote { margin: 0.3rem 0; padding-left: 0.7rem; border-left: 3px solid var(--line);
             font-style: italic; }
footer { margin-top: 2rem; }
@media (max-width: 600px) {
  body { font-size: 15px; }
  .page { padding: 0.6rem; }
  .score { font-size: 2.4rem; }
  th, td { padding: 0.25rem 0.3rem; }
  .wide { display: none; }
  table.stack thead { display: none; }
  table.stack tr { display: block; padding: 0.4rem 0; border-bottom: 1px solid var(--line); }
  table.stack td { display: block; border: 0; padding: 0.1rem 0; text-align: left; }
  table.stack td.lead { font-weight: 600; }
  table.stack td.num[data-label] { display: inline-block; margin-right: 1rem; }
  table.stack td[data-label]::before { content: attr(data-label) ": "; color: var(--muted); }
}
@media print { nav { display: none; } .card { break-inside: avoid; } }
"""

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy"
      content="default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">
<meta name="referrer" content="no-referrer">
<title>{{ head.title }}: customer report, {{ head.today }}</title>
<style>{% include "report.css" %}</style>
</head>
<body>
<div class="page">
<header class="top">
  <p class="muted">Customer report · made by Rapport on {{ head.today }}</p>
  <h1>{{ head.title }}</h1>
  <p class="muted">{{ head.tables.customers | num }} customers,
    {{ head.tables.transactions | num }} transactions,
    {{ head.tables.feedback | num }} pieces of feedback
    {%- if head.first %}, from {{ head.first }} to {{ head.last }}{% endif %}.</p>
</header>
<p class="howto"><strong>How to read this:</strong> each part answers one question about your
customers from what they bought and what they said. Percentages are shares of customers unless
a chart says otherwise; sentiment runs from −1 (negative) to +1 (positive); quotes are
customers' own words with personal details removed. Nothing here is sent anywhere: this file
holds everything it shows.</p>
<nav><ul>
  <li><a href="#knowledge">How well we know them</a></li>
  <li><a href="#ladder">Loyalty ladder</a></li>
  <li><a href="#at-risk">At risk</a></li>
  <li><a href="#voice">What they say</a></li>
  <li><a href="#say-do">Say vs do</a></li>
  <li><a href="#drivers">Key drivers</a></li>
  <li><a href="#personas">Personas</a></li>
</ul></nav>
<main>
{% include "knowledge.html" %}
{% include "ladder.html" %}
{% include "voice.html" %}
{% include "understand.html" %}
{% include "personas.html" %}
</main>
<footer class="muted">Made by Rapport from the store {{ store }}. Customers appear by their
Rapport id only; names, e-mail addresses and phone numbers are left out.</footer>
</div>
</body>
</html>
"""

KNOWLEDGE = """<section id="knowledge">
<h2>How well do you know your customers?</h2>
{% if knowledge.missing %}<p class="missing">{{ knowledge.missing }}</p>{% else %}
<div class="row">
  <div class="card"><div class="score">{{ knowledge.score | num }}<small>/100</small>
  </div><p class="muted">How much of what there is to know about each customer (who they
  are, how they buy, the job they hire us for, their pains, hopes, fears, opinion of us) we
  can answer, from how many sources, and how fresh.</p></div>
  <div class="card"><h3>Blind spots</h3><ul>
  {% for text in knowledge.blind_spots %}<li>{{ text }}</li>{% endfor %}</ul></div>
</div>
{{ knowledge.chart }}
{% endif %}
</section>
"""

LADDER = """<section id="ladder">
<h2>The loyalty ladder and what customers are worth</h2>
{% if ladder.missing %}<p class="missing">{{ ladder.missing }}</p>{% else %}
<p>From prospect to customer for life: where {{ ladder.customers | num }} customers stand,
and whether they are still buying. Their expected value over {{ ladder.clv_horizon }} (CLV)
adds up to {{ ladder.clv_total | money }}.</p>
<div class="row"><div>{{ ladder.ladder_chart }}</div>
<table class="ladder"><thead><tr><th>rung</th><th class="num">customers</th>
<th class="num">share</th></tr></thead><tbody>
{% for stage, n, share in ladder.stages %}<tr><td>{{ stage }}</td><td class="num">{{ n | num }}</td>
<td class="num">{{ share | pct }}</td></tr>
{% endfor %}</tbody></table></div>
{{ ladder.status_chart }}
{% if ladder.flows_chart %}<p>Between {{ ladder.flows_from }} and {{ ladder.flows_to }}: who
came in, who moved up the ladder, who came back and who slipped.</p>
{{ ladder.flows_chart }}{% endif %}
{{ ladder.clv_chart }}
{% endif %}
</section>
<section id="at-risk">
<h2>Valuable customers at risk</h2>
{% if at_risk.missing %}<p class="missing">{{ at_risk.missing }}</p>
{% elif not at_risk.rows %}<p class="missing">No customer is at risk right now.</p>{% else %}
<p>Overdue against their own rhythm, most valuable first: worth a call or an offer.</p>
<div class="scroll"><table><thead><tr><th>customer</th><th>stage</th>
<th class="wide">status</th><th class="num wide">orders</th><th class="wide">last purchase</th>
<th class="num">P(alive)</th><th class="num">CLV</th></tr></thead><tbody>
{% for r in at_risk.rows %}<tr><td>{{ r.customer_id }}</td><td>{{ r.stage }}</td>
<td class="wide">{{ r.status }}</td><td class="num wide">{{ r.orders | num }}</td>
<td class="wide">{{ r.last_purchase }}</td>
<td class="num">{{ r.p_alive | pct }}</td><td class="num">{{ r.clv | money }}</td></tr>
{% endfor %}</tbody></table></div>
<p class="muted">P(alive) is "–" for a one-time buyer: the model cannot judge one purchase,
so they are at risk by its age.</p>
{% endif %}
</section>
"""

VOICE = """<section id="voice">
<h2>What customers say</h2>
{% if voice.missing %}<p class="missing">{{ voice.missing }}</p>{% else %}
{{ voice.chart }}
<table class="stack"><thead><tr><th>theme</th><th class="num">statements</th>
<th class="num">sentiment</th><th>trend</th><th>in their words</th></tr></thead><tbody>
{% for t in voice.themes %}<tr><td class="lead">{{ t.label }}</td>
<td class="num" data-label="statements">{{ t.size | num }} ({{ t.share | pct }})</td>
<td class="num {{ t.tone }}" data-label="sentiment">{{ t.sentiment | signed }}</td>
<td data-label="trend">{{ t.trend }}</td>
<td>{% if t.quote %}“{{ t.quote }}”{% endif %}</td></tr>
{% endfor %}</tbody></table>
{{ voice.sentiment_chart }}
<h3>Emerging themes</h3>
{% if voice.emerging %}<p class="muted">Talked about more in the last three months than in the
year before.</p><div class="scroll"><table><thead><tr><th>theme</th>
<th class="num">recent share</th><th class="num">before</th><th class="num">sentiment now</th>
</tr></thead><tbody>{% for e in voice.emerging %}<tr><td>{{ e.label }}</td>
<td class="num">{{ e.recent_share | pct(1) }}</td><td class="num">{{ e.earlier_share | pct(1) }}
</td><td class="num {{ e.tone }}">{{ e.sentiment | signed }}</td></tr>{% endfor %}
</tbody></table></div>
{% else %}<p class="missing">No theme is growing.</p>{% endif %}
{% endif %}
</section>
"""

UNDERSTAND = """<section id="say-do">
<h2>Where what they say and what they do disagree</h2>
{% if say_do.missing %}<p class="missing">{{ say_do.missing }}</p>{% else %}
<p class="muted">{% for kind, n in say_do.counts %}{{ kind }}: {{ n | num }}
{%- if not loop.last %} · {% endif %}{% endfor %}</p>
<table class="stack"><thead><tr><th>what happened</th><th>they said</th>
<th>they did</th><th class="num">sources</th></tr></thead><tbody>
{% for r in say_do.rows %}<tr><td class="lead">{{ r.type }}</td>
<td data-label="said">{{ r.said }}</td><td data-label="did">{{ r.did }}</td>
<td class="num" data-label="sources">{{ r.sources }}</td></tr>{% endfor %}</tbody></table>
{% endif %}
</section>
<section id="drivers">
<h2>Key drivers</h2>
{% if drivers.missing %}<p class="missing">{{ drivers.missing }}</p>{% else %}
<p class="muted">What goes with higher or lower scores, other things equal: associations in
the data, not proof of cause.</p>
{% for o in drivers.outcomes %}<h3>{{ o.label }}</h3>
<p class="muted">The model explains {{ o.r2 | pct }} of the differences.</p><ul>
{% for d in o.drivers %}<li><strong>{{ d.label }}</strong> ({{ d.polarity }} mentions,
{{ d.share | pct }} of what is explained): {{ d.statement }}</li>{% endfor %}</ul>
{% endfor %}
{% endif %}
</section>
"""

PERSONAS = """<section id="personas">
<h2>Personas</h2>
{% if personas.missing %}<p class="missing">{{ personas.missing }}</p>{% else %}
<p class="muted">Groups of customers who buy for the same reasons, found from what they buy
and what they say.</p>
{{ personas.chart }}
<div class="row">
{% for p in personas.personas %}<article class="card">
<h3>{{ p.name }}</h3>
{% if p.description %}<p>{{ p.description }}</p>{% else %}
<p>{{ p.size | num }} customers ({{ p.share | pct }}), holding {{ p.clv_share | pct }} of
customer value.</p>{% endif %}
{% if p.demographics_explain is not none %}<p class="muted">Age, place and other demographics
tell this persona apart {{ p.demographics_explain | pct }} of the way (0%: not at all).</p>
{% endif %}
{% for title, items in p.facets %}<h4>{{ title }}</h4><ul>{% for i in items %}
<li>{{ i.label }}{% if i.quote %}: “{{ i.quote }}”{% endif %}</li>{% endfor %}</ul>
{% endfor %}
{% for q in p.quotes %}<blockquote>{{ q }}</blockquote>{% endfor %}
</article>{% endfor %}
</div>
{% endif %}
</section>
"""

TEMPLATES: dict[str, str] = {
    "knowledge.html": KNOWLEDGE,
    "ladder.html": LADDER,
    "page.html": PAGE,
    "personas.html": PERSONAS,
    "report.css": CSS,
    "understand.html": UNDERSTAND,
    "voice.html": VOICE,
}
