"""One registry of settings: name, default, help. The CLI, a config file and the API read it.

A setting's value comes from, in order: an explicit argument, the environment variable
`RAPPORT_<NAME>` (upper case, dots as underscores), else the default.
"""

from __future__ import annotations

__all__ = ["SETTINGS", "Setting", "get", "set_by_environment"]

import os
from dataclasses import dataclass
from typing import Any

from rapport.errors import ConfigError


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str

    @property
    def env(self) -> str:
        return "RAPPORT_" + self.name.upper().replace(".", "_")


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in [
        Setting("store", "rapport.duckdb", "the DuckDB file that holds a workspace"),
        Setting("store.memory_limit", "50%",
                "most memory the store's queries may hold before they spill to disk "
                "(a share of RAM such as 50%, or a size such as 8GB)"),
        Setting("store.threads", "auto",
                "threads of DuckDB's queries: auto (one per CPU, three on two CPUs, where "
                "the large groupings measured faster) or a whole number"),
        Setting("memory.retain_freed_mib", 512,
                "freed memory (MiB) the process keeps for reuse instead of handing it back "
                "at once (glibc only; fits on large data sets then reuse it instead of "
                "touching fresh pages); 0 leaves the memory allocator alone"),
        Setting("ingest.id_space", "default",
                "id space of customer ids: files of one business share customer numbers"),
        Setting("ingest.on_error", "fail",
                "fail: refuse a file with bad rows; skip: load the rest"),
        Setting("ingest.mode", "replace",
                "replace: a new version of a source's file replaces its rows; append: adds them"),
        Setting("behavior.time_unit", "weeks",
                "time unit of the BTYD models: days, weeks or months"),
        Setting("behavior.horizon_months", 12,
                "horizon of expected purchases and CLV, in months (more than 0)"),
        Setting("behavior.discount_rate", 0.01,
                "monthly discount rate of CLV (at least 0, below 1)"),
        Setting("ladder.loyal_min_orders", 4,
                "loyal: at least this many purchase occasions …"),
        Setting("ladder.loyal_min_tenure_days", 180,
                "… spread over at least this many days from first to last purchase …"),
        Setting("ladder.loyal_max_overdue", 1.5,
                "… not overdue by more than this × their own median gap …"),
        Setting("ladder.loyal_min_p_alive", 0.7, "… and at least this probability of being active"),
        Setting("ladder.at_risk_overdue", 2.0,
                "at risk: a repeat customer overdue by more than this × their median gap …"),
        Setting("ladder.at_risk_p_alive", 0.5,
                "… or whose probability of being active is below this"),
        Setting("ladder.lapsed_p_alive", 0.2,
                "lapsed: a repeat customer whose probability of being active is below this"),
        Setting("ladder.single_buyer_lapse_days", 365,
                "lapsed: a first-time buyer whose only purchase is older than this many days"),
        Setting("ladder.single_buyer_risk_days", 180,
                "at risk: a first-time buyer whose only purchase is older than this many days"),
        Setting("ladder.won_back_gap_days", 365,
                "won back: the gap before the latest purchase was longer than this …"),
        Setting("ladder.won_back_recent_days", 180,
                "… and that purchase is at most this many days old"),
        Setting("voice.mode", "accurate",
                "text encoder: accurate (MiniLM) or fast (a static model distilled from it)"),
        Setting("voice.precision", "auto",
                "MiniLM's matrix products: auto (bfloat16 where the CPU does them natively, "
                "else float32), float32 or bfloat16"),
        Setting("voice.model_cache", "",
                "folder for the fast mode's distilled model and the trained sentiment heads "
                "(default ~/.cache/rapport/models)"),
        Setting("voice.workers", 0,
                "processes for the voice stage's text work (splitting, sentiment words, "
                "aspects, facet cues) from 20,000 rows up: 0 one per core, 1 none (Linux only)"),
        Setting("voice.competitors", "",
                "competitor names, comma-separated, for the competitor facet"),
        Setting("voice.codebook", "",
                "the theme codebook (TOML); default: codebook.toml beside the store"),
        Setting("voice.neighbors", 15, "themes: neighbours per statement in the similarity graph"),
        Setting("voice.resolution", 4.0,
                "themes: higher finds more, smaller themes (Leiden resolution)"),
        Setting("voice.min_theme_size", 5, "themes: smaller groups are left unthemed"),
        Setting("voice.subtheme_min_size", 40, "themes: split themes at least this large"),
        Setting("voice.theme_sample", 0,
                "themes: found in a sample of this many statements, the others join the "
                "nearest (0: 30,000 in accurate mode, 15,000 in fast mode)"),
        Setting("understand.knowledge", "",
                "the knowledge framework file (TOML); empty: the one shipped with Rapport"),
        Setting("understand.flow_days", 90,
                "ladder flows on the overview: the days before the observation end they cover"),
        Setting("say_do.lapse_gaps", 3.0,
                "say vs do: lapsed when the silence since the last order is this many of the "
                "customer's typical gaps"),
        Setting("say_do.min_orders_after", 2,
                "say vs do: orders after a complaint or a threat to leave that count as staying"),
        Setting("say_do.min_wait_days", 90,
                "say vs do: days from a statement to the end before 'no orders since' counts"),
        Setting("say_do.text_threshold", 0.3,
                "say vs do: sentiment beyond ± this is clearly positive or negative"),
        Setting("drivers.min_support", 20,
                "drivers: least feedback rows or customers with a theme or facet for it to "
                "count as a driver"),
        Setting("drivers.n_boot", 200, "drivers: bootstrap resamples for the intervals"),
        Setting("personas.min_personas", 2, "personas: fewest personas"),
        Setting("personas.max_personas", 12, "personas: most personas"),
        Setting("personas.min_size", 0.01,
                "personas: smallest persona (a share of customers below 1, else a count)"),
        Setting("personas.voice_weight", 1.0,
                "personas: weight of what customers say against what they do (0: behaviour "
                "only)"),
        Setting("demo.customers", 3000, "customers in the generated demo business"),
        Setting("demo.seed", 7, "random seed of the demo business"),
    ]
}


def get(name: str, override: Any = None) -> Any:
    """The value of a setting: `override` if given, else its environment variable, else default."""
    if name not in SETTINGS:
        raise ConfigError(f"unknown setting {name!r}; settings are: {', '.join(SETTINGS)}.")
    if override is not None:
        return override
    s = SETTINGS[name]
    raw = os.environ.get(s.env)
    if raw is None:
        return s.default
    if isinstance(s.default, (int, float)):
        kind = type(s.default)
        try:
            return kind(raw)
        except ValueError:
            what = "a whole number" if kind is int else "a number"
            raise ConfigError(f"{s.env}={raw!r} must be {what}.") from None
    return raw


def set_by_environment(name: str, override: Any = None) -> str | None:
    """The environment variable that `get(name, override)` takes its value from, or None (an
    argument or the default): for errors that name where a bad value came from."""
    env = SETTINGS[name].env
    return env if override is None and env in os.environ else None
