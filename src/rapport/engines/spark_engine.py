"""`SparkEngine`: the same relational work on Apache Spark (needs `rapport[spark]`)."""

from __future__ import annotations

__all__ = ["SPARK_LOCAL_CONF", "SparkEngine", "local_spark_session", "require_pyspark"]

import os
import tempfile
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from rapport.engines.base import Engine
from rapport.errors import ConfigError

INSTALL_HINT = "install rapport[spark] (pip install 'rapport[spark]')"

# A local session that stays on this machine: driver bound to the loopback address, no web
# UI, few shuffle partitions (the default 200 only pays off on a cluster), UTC clock.
SPARK_LOCAL_CONF: dict[str, str] = {
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.driver.host": "127.0.0.1",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.driver.memory": "2g",
}


def require_pyspark() -> None:
    """Raise ConfigError, saying how to install it, when PySpark is missing."""
    try:
        import pyspark  # noqa: F401
        from ibis.backends import pyspark as _ibis_pyspark  # noqa: F401
    except ImportError:
        raise ConfigError(f"the Spark engine needs PySpark: {INSTALL_HINT}.") from None


def local_spark_session(
    master: str = "local[2]", conf: dict[str, str] | None = None, app_name: str = "rapport"
) -> Any:
    """A SparkSession on this machine only (getOrCreate: an active session is reused)."""
    require_pyspark()
    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    warehouse = Path(tempfile.gettempdir()) / "rapport-spark-warehouse"
    builder = SparkSession.builder.master(master).appName(app_name)
    for key, value in {
        **SPARK_LOCAL_CONF,
        "spark.sql.warehouse.dir": str(warehouse),
        **(conf or {}),
    }.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


class SparkEngine(Engine):
    """Runs Ibis expressions on a SparkSession.

    `session` is an existing SparkSession (left running by `close`), or None: a local
    session (`master`, default local[2]) is started on first use and stopped by `close`.
    The session's SQL time zone is set to UTC, as Rapport's stores are.
    """

    name = "spark"

    def __init__(
        self,
        session: Any = None,
        *,
        master: str = "local[2]",
        conf: dict[str, str] | None = None,
    ) -> None:
        require_pyspark()
        self._session = session
        self._owned = session is None
        self._master = master
        self._conf = dict(conf or {})
        self._backend: Any = None

    @property
    def session(self) -> Any:
        """The SparkSession (started now if the engine owns one that is not running yet)."""
        if self._session is None:
            self._session = local_spark_session(self._master, self._conf)
        return self._session

    @property
    def backend(self) -> Any:
        if self._backend is None:
            self._backend = ibis.pyspark.connect(self.session)
        return self._backend

    def from_arrow(self, data: pa.Table, name: str | None = None) -> ir.Table:
        """An Arrow table as a temporary view of the session (named `name` if given)."""
        frame = self.session.createDataFrame(data.to_pandas(), schema=_spark_schema(data))
        view = name or ibis.util.gen_name("rapport_arrow")
        frame.createOrReplaceTempView(view)
        return self.table(view)

    def write_table(self, name: str, expr: ir.Table, *, overwrite: bool = True) -> ir.Table:
        """Keep the result of `expr` as the cached temporary view `name` of the session.

        Spark has no store of Rapport's: use `write_parquet` for results that must outlive
        the session.
        """
        if not overwrite and self.session.catalog.tableExists(name):
            raise ConfigError(f"Spark already has a table or view named {name!r}.")
        frame = self.session.sql(self.sql_of(expr))
        frame.cache().createOrReplaceTempView(name)
        return self.table(name)

    def write_parquet(self, expr: ir.Table, path: str | Path) -> None:
        """Write the result of `expr` as a folder of Parquet files."""
        self.session.sql(self.sql_of(expr)).write.mode("overwrite").parquet(str(path))

    def sql_of(self, expr: ir.Table) -> str:
        self.backend._run_pre_execute_hooks(expr)  # registers in-memory tables it reads
        return str(self.backend.compile(expr))

    def execute(self, expr: ir.Table) -> pa.Table:
        """Run an expression on Spark and return its rows as Arrow, typed as Ibis says."""
        from ibis.formats.pyarrow import PyArrowData

        frame = self.session.sql(self.sql_of(expr))
        schema = expr.schema()
        if hasattr(frame, "toArrow"):  # Spark >= 4.0: Arrow straight from the executors
            raw: pa.Table = frame.toArrow()
            raw = raw.rename_columns(list(schema.names))
            raw = pa.table([_naive(c) for c in raw.columns], names=raw.column_names)
            result: pa.Table = PyArrowData.convert_table(raw, schema)
            return result
        return super().execute(expr)

    def close(self) -> None:
        """Stop the session if the engine started it."""
        if self._owned and self._session is not None:
            self._session.stop()
            self._session = None
            self._backend = None

    def __repr__(self) -> str:
        state = "started" if self._session is not None else "not started"
        return f"SparkEngine(master={self._master!r}, {state})"


def _naive(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Spark hands session-zone (UTC) timestamps back zone-aware; Rapport's are naive UTC."""
    if pa.types.is_timestamp(column.type) and column.type.tz is not None:
        return column.cast(pa.timestamp(column.type.unit))
    return column


def _spark_schema(data: pa.Table) -> Any:
    from ibis.backends.pyspark.datatypes import PySparkSchema

    return PySparkSchema.from_ibis(ibis.Schema.from_pyarrow(data.schema))
