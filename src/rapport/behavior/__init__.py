"""The outer life: per-customer summaries, RFM, cohorts, the loyalty ladder and BTYD models."""
