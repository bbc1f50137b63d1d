"""The `readout` command: one-line errors and exit statuses for bad input, reports, status."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime

import pytest

from readout_pipeline import cli, reports, warehouse
from readout_pipeline.clean import CleanDoc
from readout_pipeline.config import Settings
from readout_pipeline.fingerprint import content_hash, doc_id_for
from readout_pipeline.pages import DOC, ParsedPage, RawPage


def run(argv, capsys):
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, err, *needles):
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("readout: error:")
    for needle in needles:
        assert needle in lines[0]


def test_missing_config_file(tmp_path, capsys):
    code, _, err = run(["ingest", "--config", str(tmp_path / "nope.toml"), "--db", str(tmp_path / "w.duckdb")], capsys)
    assert_one_line_error(code, err, "config file not found", "nope.toml")
    assert not (tmp_path / "w.duckdb").exists()


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ('[settings]\nuser_agnet = "x"\n', "settings.user_agnet"),
        ('[settings]\nmax_attempts = "many"\n', "settings.max_attempts"),
        ('[[sources]]\nid = "Bad Id"\nname = "x"\nhome = "https://a.example/"\n', "sources.0.id"),
        ('[[sources]]\nid = "a"\nname = "x"\nhome = "ftp://a.example/"\n', "sources.0.home"),
        ('[[sources]]\nid = "a"\nname = "x"\nhome = "https://a.example/"\ninclude = ["("]\n', "invalid regular expression"),
        ("this is = not toml [", "invalid TOML"),
    ],
)
def test_bad_config_is_one_line_and_writes_nothing(tmp_path, capsys, toml, needle):
    config = tmp_path / "sources.toml"
    config.write_text(toml)
    wh = tmp_path / "wh"
    code, _, err = run(["ingest", "--config", str(config), "--db", str(wh / "readouts.duckdb")], capsys)
    assert_one_line_error(code, err, needle)
    assert not wh.exists()


def test_unknown_source_id(tmp_path, capsys):
    config = tmp_path / "sources.toml"
    config.write_text('[[sources]]\nid = "a"\nname = "A"\nhome = "https://a.example/"\n')
    code, _, err = run(["ingest", "--config", str(config), "--db", str(tmp_path / "w" / "r.duckdb"), "--source", "zz"], capsys)
    assert_one_line_error(code, err, "unknown source id", "zz")


def test_unwritable_database_path(tmp_path, capsys):
    config = tmp_path / "sources.toml"
    config.write_text("")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = run(["ingest", "--config", str(config), "--db", str(blocker / "sub" / "r.duckdb")], capsys)
    assert_one_line_error(code, err, "cannot use warehouse directory")


def test_locked_warehouse(tmp_path, capsys):
    config = tmp_path / "sources.toml"
    config.write_text("")
    db = tmp_path / "wh" / "readouts.duckdb"
    with warehouse.WorkingDB(Settings(warehouse_dir=db.parent, db_path=db)):
        code, _, err = run(["ingest", "--config", str(config), "--db", str(db)], capsys)
    assert_one_line_error(code, err, "another run is writing")


def test_backfill_needs_an_input(tmp_path, capsys):
    code, _, err = run(["backfill", "--db", str(tmp_path / "r.duckdb")], capsys)
    assert_one_line_error(code, err, "--since/--until, --from-dir")
    code, _, err = run(["backfill", "--from-dir", str(tmp_path / "missing")], capsys)
    assert_one_line_error(code, err, "not a directory")


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["backfill", "--since", "yesterday"])
    assert exc.value.code == 2
    assert "not an ISO date" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        cli.main(["ingest", "--kind", "ftp"])
    assert exc.value.code == 2


def test_status_and_report_without_a_warehouse(tmp_path, capsys):
    code, _, err = run(["status", "--db", str(tmp_path / "none.duckdb")], capsys)
    assert_one_line_error(code, err, "no published warehouse")
    code, _, err = run(["report", "nope", "--db", str(tmp_path / "none.duckdb")], capsys)
    assert_one_line_error(code, err, "unknown report")


def test_every_command_has_help(capsys):
    for command in cli.COMMANDS:
        with pytest.raises(SystemExit) as exc:
            cli.main([command, "--help"])
        assert exc.value.code == 0
        assert "usage: readout" in capsys.readouterr().out


@pytest.fixture
def small_warehouse(tmp_path):
    settings = Settings(warehouse_dir=tmp_path / "wh")
    now = datetime(2025, 5, 1, tzinfo=UTC)
    with warehouse.WorkingDB(settings) as db:
        warehouse.start_run(db.con, "r1", "ingest", {})
        pages = []
        for n, text in enumerate(["Readout of a call on ISIS.", "Joint statement of the Coalition."]):
            digest = content_hash(text)
            raw = RawPage(url=f"https://a.example/{n}", fetch_url=f"https://a.example/{n}", source_id="a",
                          raw_sha256="0" * 64, content_type="text/html", charset=None, fetched_at=now, body=b"x")
            doc = CleanDoc(title=f"T{n}", text=text, published_date=now.date(), author=None, sitename=None,
                           language="en", canonical_url=None)
            pages.append(ParsedPage(raw, DOC, doc=doc, content_hash=digest, doc_id=doc_id_for(digest)))
        warehouse.load_pages(db.con, "r1", pages)
        db.con.execute("INSERT INTO sources VALUES ('a', 'Ministry A', 'https://a.example/', NULL, ?, ?, 'r1')", [now, now])
        warehouse.finish_run(db.con, "r1", "completed", {})
        db.publish()
    return settings.published_db


def test_report_formats_and_bound_parameters(small_warehouse, capsys):
    code, out, _ = run(["report", "latest_readouts", "--db", str(small_warehouse), "--format", "json", "--param", "limit=1"], capsys)
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 1 and rows[0]["url"].startswith("https://a.example/")
    code, out, _ = run(["report", "readouts_per_source_per_month", "--db", str(small_warehouse), "--format", "csv"], capsys)
    assert code == 0
    assert out.splitlines()[0] == "source,month,readouts"
    assert out.splitlines()[1].startswith("Ministry A,2025-05-01")
    code, _, err = run(["report", "latest_readouts", "--db", str(small_warehouse), "--param", "nope=1"], capsys)
    assert_one_line_error(code, err, "has no parameter nope")
    # A value is bound, never spliced into the SQL: the "injection" is just an odd date string.
    code, out, _ = run(["report", "readouts_per_source_per_month", "--db", str(small_warehouse), "--format", "csv",
                        "--param", "since=2000-01-01'; DROP TABLE documents; --"], capsys)
    assert code == 0 and len(out.splitlines()) == 2
    code, out, _ = run(["report", "latest_readouts", "--db", str(small_warehouse), "--format", "json"], capsys)
    assert len(json.loads(out)) == 2
    code, _, err = run(["report", "readouts_per_source_per_month", "--db", str(small_warehouse), "--param", "since=soon"], capsys)
    assert_one_line_error(code, err, "report readouts_per_source_per_month failed")


def test_report_list_and_status(small_warehouse, capsys):
    code, out, _ = run(["report"], capsys)
    assert code == 0
    for report in reports.list_reports():
        assert report.name in out and report.question
    code, out, _ = run(["status", "--db", str(small_warehouse)], capsys)
    assert code == 0
    assert "Last runs" in out and "completed" in out


@pytest.mark.parametrize(
    ("argv", "started"),
    [
        (["backfill", "--from-dir", "SAVED"], [("prestart", 3, (7, 900))]),
        (["backfill", "--since", "2022-01-01"], [("forkserver",)]),
        (["ingest"], [("forkserver",)]),
        (["backfill", "--from-dir", "SAVED", "--task-runner", "dask"], []),
    ],
)
def test_the_cleaning_processes_start_while_prefect_starts(tmp_path, capsys, monkeypatch, argv, started):
    """Pages from a directory are certain: the whole pool starts while Prefect's API starts. A crawl
    may find nothing, so only the forkserver starts (no workers). Dask workers are not ours to start."""
    import flows.backfill
    import flows.ingest
    from readout_pipeline import pages

    events: list[tuple] = []

    class FakeAPI:
        def wait(self) -> None:
            events.append(("api ready",))

        @contextlib.contextmanager
        def run_settings(self):
            events.append(("run settings on",))
            yield
            events.append(("run settings off",))

    class Summary:
        problems: list[str] = []
        published = None

        def line(self) -> str:
            return "run completed"

    def fake_flow(config, *args, **kwargs):
        events.append(("flow",))
        return Summary()

    monkeypatch.setattr(cli, "prepare_prefect", lambda config=None: FakeAPI())
    monkeypatch.setattr(pages, "prestart", lambda **kw: events.append(
        ("prestart", kw["workers"], (kw["limits"].timeout_seconds, kw["limits"].memory_mb))))
    monkeypatch.setattr(pages, "prestart_forkserver", lambda: events.append(("forkserver",)))
    monkeypatch.setattr(flows.backfill, "backfill", fake_flow)
    monkeypatch.setattr(flows.ingest, "ingest", fake_flow)
    monkeypatch.setattr("flows.runners.with_runner", lambda flow, runner: flow)
    saved = tmp_path / "saved"
    saved.mkdir()
    (tmp_path / "readout.toml").write_text(
        "[settings]\nclean_workers = 3\nparse_timeout_seconds = 7\nparse_memory_mb = 900\n", encoding="utf-8"
    )
    command, *rest = (a.replace("SAVED", str(saved)) for a in argv)
    code, out, _ = run([command, "--config", str(tmp_path / "readout.toml"), "--db", str(tmp_path / "w.duckdb"),
                        *rest], capsys)
    assert code == 0 and "run completed" in out
    assert events == [*started, ("api ready",), ("run settings on",), ("flow",), ("run settings off",)]
