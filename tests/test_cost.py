"""The cost model: its arithmetic by hand, and the table in the README is current."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness import ROOT
from tools.docs.cost import (
    DEV,
    END,
    HOURS_PER_MONTH,
    PROD,
    START,
    Shape,
    own,
    render_table,
    shared_all,
    shared_network,
    write_table,
)


def test_one_dev_service_of_its_own_by_hand() -> None:
    alb = 0.0225 + 0.5 * 0.008
    public_ipv4 = (2 + 2) * 0.005  # two ALB nodes, two tasks with public IPs
    tasks = 2 * (0.25 * 0.04048 + 0.5 * 0.004445)
    assert own(DEV, 1).monthly(DEV) == pytest.approx((alb + public_ipv4 + tasks) * 730)


def test_prod_nat_gateways_are_shared_not_multiplied() -> None:
    assert own(PROD, 50).nat_gateways == 100
    assert shared_network(PROD, 50).nat_gateways == shared_all(PROD, 50).nat_gateways == 2
    # 98 NAT gateways and their Elastic IPs saved, at the documented hourly prices.
    saved = own(PROD, 50).monthly(PROD) - shared_network(PROD, 50).monthly(PROD)
    nat = 98 * (0.045 + 0.005) * HOURS_PER_MONTH
    runtime_alb = (0.0225 + 2 * 0.005) * HOURS_PER_MONTH
    assert saved == pytest.approx(nat - runtime_alb)


@pytest.mark.parametrize("shape", [DEV, PROD], ids=["dev", "prod"])
def test_sharing_the_load_balancer_pays_from_the_second_service(shape: Shape) -> None:
    assert shared_all(shape, 1).monthly(shape) == pytest.approx(own(shape, 1).monthly(shape))
    for n in (2, 10, 50):
        assert shared_all(shape, n).monthly(shape) < own(shape, n).monthly(shape)


def test_docs_show_the_current_table() -> None:
    text = (ROOT / "README.md").read_text()
    assert f"{START}\n{render_table()}\n{END}" in text, (
        "README cost table is stale: run `python -m tools.docs.cost --write README.md`"
    )


def test_write_table_replaces_only_the_marked_block(tmp_path: Path) -> None:
    path = tmp_path / "doc.md"
    path.write_text(f"before\n{START}\nold\n{END}\nafter\n")
    write_table(path)
    assert path.read_text() == f"before\n{START}\n{render_table()}\n{END}\nafter\n"
    path.write_text("no markers")
    with pytest.raises(ValueError, match="no <!-- cost-table:start -->"):
        write_table(path)
