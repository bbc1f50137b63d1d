"""Issue 3, case 12: bad config and CLI input -> one line on stderr starting
"readout: error:", a non-zero exit status, and nothing written. Complements test_cli.py."""

from __future__ import annotations

import pytest

from readout_pipeline import cli, netguard
from readout_pipeline.config import Source, config_from_sources


def run(argv, capsys):
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, err, *needles):
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("readout: error:")
    for needle in needles:
        assert needle in lines[0], lines[0]


def snapshot(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def _config(tmp_path, text: str):
    path = tmp_path / "sources.toml"
    path.write_text(text)
    return path


def test_db_whose_parent_is_a_file(tmp_path, capsys):
    config = _config(tmp_path, "")
    (tmp_path / "afile").write_text("x")
    before = snapshot(tmp_path)
    code, _, err = run(["ingest", "--config", str(config), "--db",
                        str(tmp_path / "afile" / "r.duckdb")], capsys)
    assert_one_line_error(code, err, "cannot use warehouse directory", "Not a directory")
    assert snapshot(tmp_path) == before


def test_config_pointing_to_a_directory(tmp_path, capsys):
    (tmp_path / "conf.d").mkdir()
    before = snapshot(tmp_path)
    code, _, err = run(["ingest", "--config", str(tmp_path / "conf.d"), "--db",
                        str(tmp_path / "wh" / "r.duckdb")], capsys)
    assert_one_line_error(code, err, "conf.d", "cannot read")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ('[[sources]]\nid = "a"\nname = "A"\nhome = "https://a.example/"\nfeedz = []\n',
         "sources.0.feedz"),
        ('[[sources]]\nid = "a"\nname = "A"\nhome = "https://a.example/"\n'
         'feeds = "https://a.example/feed"\n', "sources.0.feeds"),
        ('[[sources]]\nid = "a"\nname = "A"\nhome = "https://a.example/"\n'
         '[sources.politeness]\nconcurrency = 99\n', "sources.0.politeness.concurrency"),
        ('[[sources]]\nid = "a"\nname = "A"\nhome = "https://a.example/"\n'
         'pages = ["file:///etc/passwd"]\n', "sources.0.pages"),
        ('[[sources]]\nid = "a"\nname = "A"\nhome = "javascript:alert(1)"\n', "sources.0.home"),
        ('[settings]\nmax_bytes = -1\n', "settings.max_bytes"),
        ('[settings]\nobey_robots = "sometimes"\n', "settings.obey_robots"),
        ('[bogus]\nx = 1\n', "bogus"),
        ('[[sources]]\nid = "a"\nname = "A"\nhome = "https://a.example/"\n'
         '[[sources]]\nid = "a"\nname = "B"\nhome = "https://b.example/"\n', "duplicate source id"),
    ],
    ids=["unknown-source-key", "feeds-not-a-list", "concurrency-out-of-range",
         "file-page", "javascript-home", "negative-cap", "bool-type", "unknown-table",
         "duplicate-id"],
)
def test_bad_config_one_line_nothing_written(tmp_path, capsys, toml, needle):
    config = _config(tmp_path, toml)
    before = snapshot(tmp_path)
    code, _, err = run(["ingest", "--config", str(config), "--db",
                        str(tmp_path / "wh" / "r.duckdb")], capsys)
    assert_one_line_error(code, err, needle)
    assert snapshot(tmp_path) == before


def test_config_that_is_not_utf8(tmp_path, capsys):
    config = tmp_path / "sources.toml"
    config.write_bytes(b"\xff\xfe[settings]\n")
    code, _, err = run(["ingest", "--config", str(config), "--db",
                        str(tmp_path / "wh" / "r.duckdb")], capsys)
    assert_one_line_error(code, err, "sources.toml")


def test_source_url_that_is_not_http(tmp_path, capsys):
    config = _config(tmp_path, "")
    before = snapshot(tmp_path)
    code, _, err = run(["ingest", "--config", str(config), "--db",
                        str(tmp_path / "wh" / "r.duckdb"), "--source-url", "file:///etc/passwd"],
                       capsys)
    assert_one_line_error(code, err, "not an http(s) URL")
    # the writability check ran first and may have made the warehouse directory, nothing else
    assert [p for p in snapshot(tmp_path) if p not in before and not p.startswith("wh")] == []


def test_private_home_opens_only_its_own_host():
    """A source whose home is a private address is an explicit choice and allows exactly that
    host string; every other private address (and other spellings of the same one) stays
    blocked. (Not run through `readout ingest`: that would send traffic to 10.1.2.3.)"""
    src = Source(id="intranet", name="Intranet", home="http://10.1.2.3/news/")
    cfg = config_from_sources([src])
    assert cfg.allowed_hosts == frozenset({"10.1.2.3"})
    netguard.check_url("http://10.1.2.3/news/x", cfg.allowed_hosts)
    for url in ("http://10.1.2.4/", "http://169.254.169.254/", "http://127.0.0.1/",
                "http://167838211/", "http://012.1.2.3/", "http://[::ffff:10.1.2.3]/"):
        with pytest.raises(netguard.BlockedAddress):
            netguard.check_url(url, cfg.allowed_hosts)


@pytest.mark.slow
def test_a_run_that_fails_on_its_input_prints_one_line_not_prefect_s_traceback(tmp_path):
    """Real `readout` processes (Prefect's console logging as a user gets it). A file given as a WARC
    that is not one fails the run: it ends with the one `readout: error:` line, and the failed run is
    recorded beside the good one. A damaged archive file is a reparse's warning, not its end."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    import duckdb

    db = tmp_path / "wh" / "readouts.duckdb"
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home")}
    env.pop("PREFECT_API_URL", None)
    config = _config(tmp_path, "")

    def readout(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(Path(sys.executable).with_name("readout")), *args, "--db", str(db),
                               "--config", str(config)],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)

    saved = tmp_path / "saved"
    saved.mkdir()
    (saved / "a.txt").write_text("Joint statement of the ministers on maritime security, agreed in Geneva today.\n")
    assert readout("backfill", "--from-dir", str(saved)).returncode == 0

    not_warc = tmp_path / "crawl.warc"
    not_warc.write_bytes(b"<html><body>a saved page, not a WARC</body></html>\n" + os.urandom(2000))
    done = readout("backfill", "--from-warc", str(not_warc))
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines() == [
        f"readout: error: WARC file {not_warc}: not a WARC file (no WARC record header there)"]

    raw = db.parent / "raw"
    (damaged,) = raw.rglob("*.gz")
    damaged.write_bytes(b"a disk error's worth of bytes")  # a damaged body is one page's problem
    done = readout("reparse")
    assert done.returncode == 0, done.stderr
    assert f"warning: {(saved / 'a.txt').resolve().as_uri()}: raw body {damaged.name[:-3]} in {raw} is corrupt " \
           f"(not whole gzip data): skipped; the damaged file is now {damaged.name}.damaged; its next fetch is a " \
           "full one, which archives it again" in done.stdout.splitlines()
    assert "Traceback" not in done.stderr

    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT flow, status FROM runs ORDER BY started_at").fetchall() == [
            ("backfill", "completed"), ("backfill", "failed"), ("reparse", "completed")]
        assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 1
    finally:
        con.close()


def test_the_console_drops_only_run_records_of_failures_already_reported():
    import logging
    import sys

    from flows.console import ReportedFailureFilter
    from readout_pipeline.errors import ConfigError

    def record(logger: str, exc: BaseException | None, run: str, level: int = logging.ERROR,
               message: str = "Task run failed with exception") -> logging.LogRecord:
        exc_info = None
        if exc is not None:
            try:
                raise exc
            except BaseException:
                exc_info = sys.exc_info()
        rec = logging.LogRecord(logger, level, __file__, 1, message, None, exc_info)
        rec.task_run_id = run if logger == "prefect.task_runs" else None
        rec.flow_run_id = "flow-1"
        return rec

    keep = ReportedFailureFilter().filter
    assert keep(record("prefect.task_runs", None, "task-1", logging.WARNING, "a page was skipped"))
    assert not keep(record("prefect.task_runs", ConfigError("WARC file x: not a WARC file"), "task-1"))
    assert not keep(record("prefect.task_runs", None, "task-1", message="Finished in state Failed('...')"))
    assert keep(record("prefect.task_runs", None, "task-2", message="Finished in state Failed('...')"))
    assert not keep(record("prefect.flow_runs", ConfigError("WARC file x: not a WARC file"), "flow-1"))
    assert keep(record("prefect.flow_runs", ValueError("a defect keeps its traceback"), "flow-1", logging.WARNING))
    assert keep(record("prefect.task_runs", ValueError("a defect keeps its traceback"), "task-3"))
    assert keep(record("prefect.task_runs", None, "task-3", message="Finished in state Failed('...')"))
    assert keep(record("readout_pipeline", ConfigError("not a run record"), "task-4"))
