"""`kompeten import … --wait` and `kompeten reconcile … --wait` follow the worker's run to its end and print a
summary, with a real worker draining the queues meanwhile."""

import pytest

from app.cli import cli
from app.commands import follow_run
from app.services.demo import malang_pka
from tests.e2e.harness import BackgroundWorker
from tests.imports.conftest import SAMPLE, add_opds
from tests.reconciliation.conftest import cohort_id, seed_demo


def test_follow_run_prints_each_change_once_and_returns_the_last_view(malang, capsys):
    views = iter([{"state": "queued"}, {"state": "queued"}, {"state": "running"}, {"state": "done", "n": 3}])
    last = follow_run(malang.slug, lambda: next(views), lambda v: v["state"], ("done",), interval=0)
    assert last == {"state": "done", "n": 3}
    assert capsys.readouterr().out.split() == ["queued", "running", "done"]


@pytest.mark.committed  # a worker thread runs the jobs: it must see the runs committed
def test_import_and_reconcile_wait_for_the_worker_and_print_the_summary(app, serang, malang, tmp_path):
    add_opds(serang)
    seed_demo("kota-malang")
    report = tmp_path / "laporan-bpsdm.csv"
    report.write_text(malang_pka.REPORT_CSV, encoding="utf-8")
    worker = BackgroundWorker(app, interval=0.1).start()
    try:
        runner = app.test_cli_runner()
        imported = runner.invoke(cli, ["import", "pppk-enrolments", "kab-serang", str(SAMPLE), "--wait"])
        reconciled = runner.invoke(cli, ["reconcile", "kota-malang", str(report), "--partner", "BPSDM-JATIM",
                                         "--cohort", str(cohort_id("kota-malang", "PKA", 2024, 2)), "--wait"])
    finally:
        worker.stop()
    assert not worker.errors
    assert imported.exit_code == 0, imported.output
    assert "34 created" in imported.output and "6 invalid" in imported.output and "1 duplicate" in imported.output
    assert reconciled.exit_code == 0, reconciled.output
    assert "Selesai dicocokkan" in reconciled.output and "open differences 7" in reconciled.output
