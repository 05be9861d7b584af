"""Where relational work runs: DuckDB (the default, the store itself) and Spark.

Analyses are written once as Ibis expressions; an engine hands out the tables they read
and runs them. `get_engine("duckdb", workspace)` or `get_engine("spark")`.
"""

from rapport.engines.base import ENGINE_KINDS, Engine, as_engine, as_table, get_engine
from rapport.engines.duckdb_engine import DuckDBEngine
from rapport.engines.spark_engine import SparkEngine, local_spark_session

__all__ = [
    "ENGINE_KINDS",
    "DuckDBEngine",
    "Engine",
    "SparkEngine",
    "as_engine",
    "as_table",
    "get_engine",
    "local_spark_session",
]
