"""Persona features: spend bands rank order values to a millionth, not to rounding noise."""

from __future__ import annotations

import duckdb

from rapport.understand.persona_features import load_features


def _bands(rows: list[tuple[str, str, float]]) -> dict[str, str]:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE transactions (transaction_id VARCHAR, order_id VARCHAR, "
        "customer_id VARCHAR, product VARCHAR, category VARCHAR, channel VARCHAR, "
        "amount DOUBLE, ts TIMESTAMP)"
    )
    for i, (customer, order, amount) in enumerate(rows):
        con.execute(
            "INSERT INTO transactions VALUES (?, ?, ?, 'tea', 'drinks', 'web', ?, "
            "TIMESTAMP '2024-01-01 10:00:00' + INTERVAL (?) DAY)",
            [f"t{i}", order, customer, amount, i],
        )
    features = load_features(con, bands=2, voice=False)
    matrix, items = features.blocks["spend"]
    dense = matrix.toarray()
    return {str(c): items[int(dense[i].argmax())] for i, c in enumerate(features.customers)}


def test_equal_order_values_are_banded_by_customer_not_by_rounding_noise() -> None:
    # c1's one order adds to 0.1 + 0.2 = 0.30000000000000004, c2's is 0.3: the same spend.
    assert 0.1 + 0.2 != 0.3
    bands = _bands([("c1", "o1", 0.1), ("c1", "o1", 0.2), ("c2", "o2", 0.3)])
    assert bands == {"c1": "spend band 1", "c2": "spend band 2"}
    # a real difference still decides: c1 spends a cent more
    bands = _bands([("c1", "o1", 0.1), ("c1", "o1", 0.21), ("c2", "o2", 0.3)])
    assert bands == {"c1": "spend band 2", "c2": "spend band 1"}
