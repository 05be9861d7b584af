"""The HTML pages' templates (Jinja2, autoescaped): one layout, the login form and the pages.
Charts arrive as SVG strings from `rapport.charts`, which escape their own labels; nothing
else is marked safe."""

from __future__ import annotations

__all__ = ["render"]

from typing import Any

from jinja2 import DictLoader, Environment, select_autoescape

from rapport.formats import day, money, number, own_ids, percent, signed
from rapport.understand.say_do_rows import type_words

_STYLE = """
*{box-sizing:border-box}body{margin:0;font-family:system-ui,sans-serif;color:#222;
background:#f6f6f4;line-height:1.45}header{background:#1f3b5a;color:#fff;padding:.6rem 1rem;
display:flex;flex-wrap:wrap;gap:.8rem;align-items:center}header a{color:#fff;
text-decoration:none}header .brand{font-weight:700;margin-right:1rem}main{max-width:1100px;
margin:0 auto;padding:1rem}.cards{display:flex;flex-wrap:wrap;gap:1rem}.card{background:#fff;
border-radius:6px;padding:1rem;flex:1 1 320px;min-width:0;box-shadow:0 1px 2px #0001}
svg.chart{width:100%;max-width:760px;height:auto}table{border-collapse:collapse;width:100%;font-size:.92rem}
td,th{text-align:left;padding:.3rem .4rem;border-bottom:1px solid #eee;vertical-align:top}
.big{font-size:2.4rem;font-weight:700}.muted{color:#666}.neg{color:#b03a2e}.pos{color:#2e7d32}
blockquote{margin:.3rem 0;padding:.2rem .6rem;border-left:3px solid #c9d6e3;background:#fafbfc}
form.inline{display:flex;flex-wrap:wrap;gap:.5rem;margin:.5rem 0}input,select,button{
font:inherit;padding:.35rem .5rem}.error{color:#b03a2e}.scroll{overflow-x:auto}
@media (max-width:600px){header{font-size:.9rem}.big{font-size:1.8rem}}
"""

_LAYOUT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} · Rapport</title><style>{{ style }}</style></head>
<body><header><span class="brand">Rapport</span>
{% if user %}<a href="/">Overview</a><a href="/customers">Customers</a>
<a href="/accounts">Accounts</a><a href="/themes">Themes</a><a href="/personas">Personas</a>
<a href="/say-do">Say vs do</a>
<a href="/knowledge">Knowledge</a><a href="/data">Data</a>
<form method="post" action="/logout" class="inline" style="margin:0 0 0 auto">
<input type="hidden" name="csrf" value="{{ csrf }}">
<button type="submit">Log out {{ user.username }} ({{ user.role }})</button></form>{% endif %}
</header><main><h1>{{ title }}</h1>{% block body %}{% endblock %}</main></body></html>"""

_LOGIN = """{% extends "layout" %}{% block body %}
{% if error %}<p class="error">{{ error }}</p>{% endif %}
<form method="post" action="/login" class="card" style="max-width:360px">
<input type="hidden" name="csrf" value="{{ login_csrf }}">
<p><label>User name<br><input name="username" autocomplete="username" required></label></p>
<p><label>Password<br><input name="password" type="password" autocomplete="current-password"
required></label></p><p><button type="submit">Log in</button></p></form>
{% endblock %}"""

_OVERVIEW = """{% extends "layout" %}{% block body %}
<div class="cards">
<div class="card"><div class="muted">How well do you know your customers?</div>
<div class="big">{{ score }}/100</div>
<ul>{% for s in blind_spots %}<li>{{ s.text }}</li>{% endfor %}</ul></div>
<div class="card">{{ ladder | safe_svg }}</div>
{% if flows_chart %}<div class="card">{{ flows_chart | safe_svg }}
<table style="font-size:.82rem"><tr><th>from</th><th>to</th><th>customers</th></tr>
{% for f in flows %}<tr><td>{{ f.stage_before }} ({{ f.status_before }})</td>
<td>{{ f.stage_after }} ({{ f.status_after }})</td><td>{{ "{:,}".format(f.customers) }}</td>
</tr>{% endfor %}</table></div>{% endif %}
<div class="card">{{ clv | safe_svg }}</div>
<div class="card">{{ sentiment | safe_svg }}</div>
</div>
<div class="cards" style="margin-top:1rem">
<div class="card"><h2>Customers at risk, most valuable first</h2><div class="scroll"><table>
<tr><th>customer</th><th>CLV</th><th>last purchase</th></tr>
{% for c in at_risk %}<tr><td><a href="/customers/{{ c.customer_id | urlencode }}">
{{ c.name or c.customer_id }}</a></td><td>{{ c.clv | money }}</td>
<td>{{ c.last_purchase | day }}</td></tr>{% endfor %}</table></div></div>
<div class="card"><h2>Top themes</h2>{{ themes_chart | safe_svg }}
{% if emerging %}<h3>Emerging</h3><ul>{% for t in emerging %}<li>{{ t.label }}
({{ t.recent }} recent statements)</li>{% endfor %}</ul>{% endif %}</div>
<div class="card"><h2>Biggest say-vs-do gaps</h2>
{% for x in say_do %}<p><b>{{ x.type | insight }}</b>: <q>{{ x.said }}</q> → {{ x.did }}</p>
{% else %}<p class="muted">No insights yet.</p>{% endfor %}</div>
</div>{% endblock %}"""

_CUSTOMERS = """{% extends "layout" %}{% block body %}
<form method="get" action="/customers" class="inline">
<input name="search" value="{{ search or '' }}" placeholder="name, e-mail, phone or id">
<select name="stage"><option value="">any stage or status</option>
{% for s in stages %}<option value="{{ s }}"{% if s == stage %} selected{% endif %}>{{ s }}
</option>{% endfor %}</select>
<select name="persona"><option value="">any persona</option>{% for p in personas %}
<option value="{{ p.persona_id }}"{% if p.persona_id == persona %} selected{% endif %}>
{{ p.name }}</option>{% endfor %}</select>
<select name="theme"><option value="">any theme</option>{% for t in themes %}
<option value="{{ t.theme_id }}"{% if t.theme_id == theme %} selected{% endif %}>
{{ t.label }}</option>{% endfor %}</select><button type="submit">Search</button></form>
{% set emails = customers | selectattr('email') | list | length > 0 %}
<div class="scroll"><table><tr><th>customer</th>{% if emails %}<th>e-mail</th>{% endif %}
<th>orders</th><th>spend</th><th>stage</th><th>status</th></tr>
{% for c in customers %}<tr><td><a href="/customers/{{ c.customer_id | urlencode }}">
{{ c.name or c.customer_id }}</a>{% if not c.name %}{% for k in (c['keys'] | own_ids(false))
[:1] %}
<span class="muted">· {{ k }}</span>{% endfor %}{% endif %}</td>
{% if emails %}<td>{{ c.email or '' }}</td>{% endif %}
<td>{{ (c.orders or c.transactions or 0) | num }}</td><td>{{ c.spend | money }}</td>
<td>{{ c.stage or '' }}</td>
<td>{{ c.status or '' }}</td></tr>{% else %}<tr><td colspan="6">No customers match.</td></tr>
{% endfor %}</table></div>{% endblock %}"""

_PROFILE = """{% extends "layout" %}{% block body %}
<p>{{ p.story }}</p><div class="cards">
<div class="card"><h2>Who they are</h2><table>
{% for k, v in facts %}<tr><th>{{ k }}</th><td>{% if k == 'account' and
p.identity.account_id %}<a href="/accounts/{{ p.identity.account_id | urlencode }}">{{ v }}</a>
{%- else %}{{ v }}{% endif %}</td></tr>{% endfor %}</table></div>
{% if p.behaviour %}<div class="card"><h2>What they do</h2><table>
<tr><th>ladder</th><td>{{ p.behaviour.stage }} ({{ p.behaviour.status }})</td></tr>
<tr><th>orders</th><td>{{ p.behaviour.n_orders | num }}</td></tr>
<tr><th>spend</th><td>{{ p.behaviour.total_spend | money }}</td></tr>
<tr><th>CLV</th><td>{{ p.behaviour.clv | money }}</td></tr>
<tr><th>P(alive)</th><td>{% if p.behaviour.p_alive is not none %}{{ p.behaviour.p_alive | pct }}
{% elif p.behaviour.frequency == 0 %}<span class="muted">not estimated for one purchase;
judged by its age</span>{% else %}–{% endif %}</td></tr>
<tr><th>favourite</th><td>{{ p.behaviour.favourite_product or '–' }}</td></tr></table>
<p>{% for x in p.behaviour.path %}{{ x.stage or x.status }} ({{ x.since or
('after ' ~ x.after if x.after) or '?' }})
{% if not loop.last %} → {% endif %}{% endfor %}</p></div>{% endif %}
{% if sentiment %}<div class="card">{{ sentiment | safe_svg }}</div>{% endif %}
</div>
{% if p.voice %}<div class="card" style="margin-top:1rem"><h2>In their own words</h2>
{% for facet, items in p.voice.by_facet.items() if items %}<h3>{{ facet }}</h3>
{% for s in items %}<blockquote>{{ s.text }} <span class="muted">{{ s.day }} ·
{{ s.kind }}</span></blockquote>{% endfor %}{% else %}<p class="muted">{% if p.voice.statements
%}{{ p.voice.statements | num }} statement{{ 's' if p.voice.statements != 1 else '' }} from
them, none yet that carries a facet (a job, a value, a pain, a hope…).{% else %}
Nothing from them yet: no survey answer, review, ticket or note is linked to this customer.
{% endif %}</p>
{% endfor %}</div>{% endif %}
{% if p.coverage %}<div class="card" style="margin-top:1rem"><h2>How well we know them</h2>
{{ coverage | safe_svg }}<h3>Ask them next</h3><ul>{% for q in p.next_questions %}
<li>{{ q.question }}</li>{% endfor %}</ul></div>{% endif %}
{% endblock %}"""

_ACCOUNTS = """{% extends "layout" %}{% block body %}
<form class="inline" method="get" action="/accounts"><input name="search" value="{{ search or ''
}}" placeholder="id or name" aria-label="search accounts"><button type="submit">Search</button>
</form><div class="card scroll"><table><tr><th>account</th><th>industry</th><th>size</th>
<th>people</th><th>customers</th><th>known</th></tr>
{% for a in accounts %}<tr><td><a href="/accounts/{{ a.account_id | urlencode }}">{{ a.name or
a.account_id }}</a></td><td>{{ a.industry or '' }}</td><td>{{ a.size or '' }}</td>
<td>{{ a.people | num }}</td><td>{{ a.customers | num }}</td><td>{{ a.score | pct }}</td></tr>
{% else %}<tr><td colspan="6">{% if search %}No account matches.{% else %}No accounts yet: load
them with <code>rapport ingest FILE accounts</code>.{% endif %}</td></tr>{% endfor %}
</table></div>{% endblock %}"""

_ACCOUNT = """{% extends "layout" %}{% block body %}
<p>{{ d.story }}</p><div class="cards">
<div class="card"><h2>Their people</h2><div class="scroll"><table><tr><th>name</th>
<th>title</th><th>role</th><th>as our customer</th></tr>
{% for p in d.people %}<tr><td>{% if p.customer_id %}<a href="/customers/{{ p.customer_id |
urlencode }}">{{ p.name }}</a>{% else %}{{ p.name }}{% endif %}</td><td>{{ p.title or '' }}</td>
<td>{{ p.role or '' }}</td><td>{{ p.stage or '' }}</td></tr>
{% else %}<tr><td colspan="4">No contacts loaded for this account.</td></tr>{% endfor %}
</table></div></div>
<div class="card"><h2>What they buy</h2><table>
<tr><th>orders</th><td>{{ d.buying.orders | num }}</td></tr>
<tr><th>spend</th><td>{{ d.buying.spend | money }}</td></tr>
<tr><th>first, last</th><td>{{ d.buying.first_purchase | day }} →
{{ d.buying.last_purchase | day }}</td></tr>
<tr><th>its customers' CLV</th><td>{{ d.buying.clv | money }}</td></tr>
<tr><th>what they say</th><td>{{ d.statements | num }} statements{% if d.sentiment is not none
%}, sentiment {{ d.sentiment | signed }}{% endif %}</td></tr></table></div>
{% if chart %}<div class="card">{{ chart | safe_svg }}</div>{% endif %}</div>
<div class="card" style="margin-top:1rem"><h2>What we know about them</h2>
{% for x in d.dimensions %}<h3>{{ x.label }}{% if x.score is not none %}
<span class="muted">{{ x.score | pct }}</span>{% endif %}</h3>
{% for e in x.evidence %}<blockquote>{{ e.text }} <span class="muted">{% if e.day %}{{ e.day }}
· {% endif %}{{ e.source }}</span></blockquote>{% else %}<p class="muted">Nothing yet.</p>
{% endfor %}{% if x.more %}<p class="muted">… and {{ x.more }} more.</p>{% endif %}
{% if x.question %}<p><b>Ask:</b> {{ x.question }}</p>{% endif %}{% endfor %}</div>
{% endblock %}"""

_DATA = """{% extends "layout" %}{% block body %}
<div class="card"><h2>Loads</h2><div class="scroll"><table><tr><th>#</th><th>kind</th>
<th>file</th><th>status</th><th>read</th><th>loaded</th><th>rejected</th><th>when</th></tr>
{% for i in ingests %}<tr><td>{{ i.ingest_id }}</td><td>{{ i.kind }}</td><td>{{ i.path }}</td>
<td>{{ i.status }}</td><td>{{ i.rows_read }}</td><td>{{ i.rows_loaded }}</td>
<td>{{ i.rows_rejected }}</td><td>{{ i.finished_at }}</td></tr>{% endfor %}</table></div></div>
<div class="card" style="margin-top:1rem"><h2>Rejected rows</h2><div class="scroll"><table>
<tr><th>load</th><th>row</th><th>column</th><th>value</th><th>reason</th></tr>
{% for r in rejects %}<tr><td>{{ r.ingest_id }}</td><td>{{ r.source_row }}</td>
<td>{{ r.column_name }}</td><td>{{ r.value }}</td><td>{{ r.reason }}</td></tr>
{% else %}<tr><td colspan="5">No rejected rows.</td></tr>{% endfor %}</table></div></div>
{% endblock %}"""

_THEMES = """{% extends "layout" %}{% block body %}
<div class="card">{{ chart | safe_svg }}</div>
<div class="scroll"><table><tr><th>theme</th><th>statements</th><th>sentiment</th>
<th>trend</th><th>their words</th></tr>
{% for t in themes %}<tr><td><a href="/themes/{{ t.theme_id | urlencode }}">{{ t.label }}</a>
</td><td>{{ t.size }}</td><td class="{{ 'neg' if (t.sentiment or 0) < -0.05 else
'pos' if (t.sentiment or 0) > 0.05 else '' }}">{{ '%+.2f' % (t.sentiment or 0) }}</td>
<td>{{ t.trend }}</td><td>{{ t.key_phrases }}</td></tr>{% endfor %}</table></div>
{% endblock %}"""

_THEME = """{% extends "layout" %}{% block body %}
<p class="muted">{{ theme.size | num }} statements · sentiment {{ '%+.2f' % (theme.sentiment or 0)
}} · {{ theme.trend }} · first {{ theme.first_seen | day }} · last {{ theme.last_seen | day }}</p>
<div class="card">{{ trend | safe_svg }}</div>
{% if subthemes %}<div class="card"><h2>Sub-themes</h2><ul>{% for t in subthemes %}
<li><a href="/themes/{{ t.theme_id | urlencode }}">{{ t.label }}</a> ({{ t.size }})</li>
{% endfor %}</ul></div>{% endif %}
<div class="card" style="margin-top:1rem"><h2>In their words</h2>
{% for q in quotes %}<blockquote>{{ q.text }} <span class="muted">{{ q.ts | day }}{% if
q.times > 1 %} · said {{ q.times }} times{% endif %}</span></blockquote>{% endfor %}</div>
{% endblock %}"""

_PERSONAS = """{% extends "layout" %}{% block body %}
<div class="cards">{% for p in personas %}<div class="card">
<h2><a href="/personas/{{ p.persona_id | urlencode }}">{{ p.name }}</a></h2>
<p class="muted">{{ p.size }} customers ({{ '%.0f' % (100 * p.share) }}%) · {{ '%.0f' %
(100 * p.clv_share) }}% of value</p><p>{{ p.description }}</p></div>{% endfor %}</div>
{% endblock %}"""

_PERSONA = """{% extends "layout" %}{% block body %}
<p>{{ p.description }}</p><div class="cards">
{% for key in ("jobs", "values", "pains", "hopes", "fears") %}{% if p[key] %}
<div class="card"><h2>{{ key }}</h2><ul>{% for item in p[key] %}<li>{{ item.label or item.text
or item }}{% if item.quote %}<blockquote>{{ item.quote.text or item.quote }}</blockquote>
{% endif %}</li>
{% endfor %}</ul></div>{% endif %}{% endfor %}</div>
<div class="card" style="margin-top:1rem"><h2>Demographics</h2><p>Demographics explain
{{ '%.0f' % (100 * (p.demographics_explain or 0)) }}% of who is in this persona.</p></div>
<div class="card" style="margin-top:1rem"><h2>Customers</h2><ul>{% for c in p.customers %}
<li><a href="/customers/{{ c.customer_id | urlencode }}">{{ c.name or c.customer_id }}</a>
</li>{% endfor %}</ul></div>{% endblock %}"""

_SAY_DO = """{% extends "layout" %}{% block body %}
<div class="card">{{ chart | safe_svg }}</div>
{% for x in insights %}<div class="card" style="margin-top:.6rem"><b>{{ x.type | insight }}</b>
{% if x.single_source %}<span class="muted">(one source)</span>{% endif %}
<p><a href="/customers/{{ x.customer_id | urlencode }}">{{ x.customer_id }}</a> said
<q>{{ x.said }}</q> — {{ x.did }}</p><p class="muted">{{ x.explanation }}</p>
{% if x.what_keeps_them %}<p>What keeps them: {{ x.what_keeps_them }}</p>{% endif %}
<p class="muted">sources: {{ x.sources | join(", ") }} · methods: {{ x.methods | join(", ") }}
</p></div>{% else %}<p class="muted">No insights yet.</p>{% endfor %}{% endblock %}"""

_KNOWLEDGE = """{% extends "layout" %}{% block body %}
<div class="cards"><div class="card"><div class="muted">How well do you know your customers?
</div><div class="big">{{ score }}/100</div></div><div class="card">{{ chart | safe_svg }}</div>
</div><div class="card" style="margin-top:1rem"><h2>Blind spots</h2><ul>
{% for s in blind_spots %}<li>{{ s.text }}</li>{% endfor %}</ul></div>
<div class="card" style="margin-top:1rem"><h2>Research plan: {{ plan.who }}</h2>
<p><b>Objective.</b> {{ plan.objective }}</p><p><b>Method.</b> {{ plan.method }}</p>
<h3>Hypotheses</h3><ul>{% for h in plan.hypotheses %}<li>{{ h }}</li>{% endfor %}</ul>
<h3>Interview guide</h3><ol>{% for q in plan.interview_guide %}<li>{{ q }}</li>{% endfor %}
</ol><h3>Whom to ask</h3><ul>{% for c in plan.sample.customers[:10] %}<li>{{ c.name }}:
{{ c.reason }}</li>{% endfor %}</ul><p class="muted">{{ plan.fallback }}</p></div>
{% endblock %}"""

_ENV = Environment(
    loader=DictLoader({"layout": _LAYOUT, "login": _LOGIN, "overview": _OVERVIEW,
                       "customers": _CUSTOMERS, "profile": _PROFILE, "data": _DATA,
                       "themes": _THEMES, "theme": _THEME, "personas": _PERSONAS,
                       "persona": _PERSONA, "say_do": _SAY_DO, "knowledge": _KNOWLEDGE,
                       "accounts": _ACCOUNTS, "account": _ACCOUNT}),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


def _safe_svg(svg: str) -> Any:
    """Only the charts' SVG (which escapes its own labels) is inserted unescaped."""
    from markupsafe import Markup

    if not svg.startswith('<svg class="chart"'):
        raise ValueError("safe_svg is for rapport.charts output only")
    return Markup(svg)


_ENV.filters.update(safe_svg=_safe_svg, num=number, money=money, pct=percent, day=day,
                    signed=signed, insight=type_words, own_ids=own_ids)


def render(name: str, **context: Any) -> str:
    """A page: the template `name` inside the layout, with the shared style."""
    return _ENV.get_template(name).render(style=_STYLE, **context)
