"""``joinedup link``, ``review list|decide`` and ``export persons`` end to end, on both backends.

These go through the real command and the shipped model (trained on the records, or the default
model when there are too few), so they check the wiring rather than linkage quality.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sqlite3
import stat
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from joinedup.audit.governance import record_choice
from joinedup.cli import _register, app
from joinedup.linkage import review, runs
from joinedup.linkage.index import link
from joinedup.services import accounts, resident_holds
from joinedup.store.db import session_scope
from joinedup.store.governance_tables import Alert, AuditEvent
from joinedup.store.linkage_tables import ReviewDecision
from tests.integration.linkage.index_helpers import (
    Store,
    StubScorer,
    amara_twice_and_tomasz,
    key,
    person,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.setenv("JOINEDUP_DATABASE_URL", db_url)
    monkeypatch.setenv("JOINEDUP_DATA_DIR", str(tmp_path / "data"))
    _register()
    return CliRunner()


@pytest.fixture
def store(engine: Engine) -> Store:
    return amara_twice_and_tomasz(engine)


def test_link_prints_a_summary_and_json(cli: CliRunner, store: Store) -> None:
    result = cli.invoke(app, ["link", "--full"])
    assert result.exit_code == 0, result.output
    assert "link run 1 (full, duckdb)" in result.output
    assert "persons" in result.output and "seconds" in result.output
    again = cli.invoke(app, ["link", "--json"])
    assert again.exit_code == 0, again.output
    summary = json.loads(again.output)
    assert summary["mode"] == "incremental"
    assert summary["counts"]["records"] == 4
    assert set(summary["counts"]) >= {"persons", "merges", "splits", "review_items"}


def test_link_with_nothing_stored_says_so_and_records_no_run(
    cli: CliRunner, engine: Engine
) -> None:
    # A cron job's first link against the wrong database exited 0 with an empty index.
    result = cli.invoke(app, ["link", "--json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("Error: nothing to link: ")
    # An ingest still running has stored nothing yet: the message says to let it finish.
    assert (
        "holds no source records yet. Ingest a source first (joinedup ingest MAPPING FILE) "
        "and let it finish" in result.stderr
    )
    with session_scope(engine) as session:
        assert runs.list_runs(session) == []


def test_link_waits_for_an_ingest_writing_instead_of_failing(
    cli: CliRunner, store: Store, db_backend: str
) -> None:
    if db_backend != "sqlite":
        pytest.skip("SQLite's single writer; PostgreSQL's rows do not lock a new run out")
    # What an ingest does: take the write lock, write for a while, commit. A link starting
    # meanwhile read a snapshot the commit moved past, then failed "database is locked" with a
    # traceback on its first write.
    path = store.engine.url.database or ""
    writer = sqlite3.connect(path, isolation_level=None, timeout=60, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE sources SET name = name")

    def commit_soon() -> None:
        time.sleep(1.0)
        writer.execute("COMMIT")

    committer = threading.Thread(target=commit_soon)
    committer.start()
    try:
        result = cli.invoke(app, ["link", "--json"])
    finally:
        committer.join()
        writer.close()
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["counts"]["records"] == 4


def test_link_refuses_an_unknown_engine(cli: CliRunner, store: Store) -> None:
    result = cli.invoke(app, ["link", "--engine", "oracle"])
    assert result.exit_code == 2
    assert "unknown linkage engine" in result.output


def test_review_list_and_decide(cli: CliRunner, store: Store) -> None:
    link(store.engine, model=StubScorer())
    listed = cli.invoke(app, ["review", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    items = json.loads(listed.output)
    assert items and items[0]["reason"] == "uncertain"
    pair = items[0]["pair"]
    text = cli.invoke(app, ["review", "list", "--limit", "1"])
    assert pair in text.output
    assert f"{len(items)} open, the riskiest 1 shown" in text.output
    decided = cli.invoke(app, ["review", "decide", pair, "link", "--reviewer", "A Reviewer"])
    assert decided.exit_code == 0, decided.output
    assert "recorded" in decided.output
    with session_scope(store.engine) as session:
        assert review.decisions_in_force(session) == {tuple(pair.split(" ~ ")): "link"}
    link(store.engine, model=StubScorer())
    persons = store.persons()
    left, right = (k.split("|")[1] for k in pair.split(" ~ "))
    assert persons[left] == persons[right]
    empty = cli.invoke(app, ["review", "list"])
    assert "empty" in empty.output


def test_a_decision_at_the_console_is_on_the_audit_trail(cli: CliRunner, store: Store) -> None:
    # An auditor checks reviewers' decisions on the hash-chained trail: one made with
    # 'review decide' must be there as one made through the API or the pages is.
    link(store.engine, model=StubScorer())
    pair = f"{key('1')} ~ {key('4')}"
    done = cli.invoke(
        app, ["review", "decide", pair, "not-link", "--reviewer", "rita", "--note", "Twins."]
    )
    assert done.exit_code == 0, done.output
    with session_scope(store.engine) as session:
        [row] = session.scalars(select(ReviewDecision))
        events = list(
            session.scalars(select(AuditEvent).where(AuditEvent.action == "review.decide"))
        )
        persons = store.persons()
    assert {e.person_id for e in events} == {persons["1"], persons["4"]}
    for event in events:
        assert (event.actor, event.role, event.credential) == ("rita", "reviewer", "console")
        assert event.reason == f"linkage review decision {row.id} on {pair}: not-link"
        assert "Twins" not in event.reason  # the note may name someone: it stays in the decision
    verified = cli.invoke(app, ["audit", "verify"])
    assert verified.exit_code == 0, verified.output


def test_review_decide_rejects_bad_input(cli: CliRunner, store: Store) -> None:
    bad = cli.invoke(
        app, ["review", "decide", f"{key('1')} ~ {key('2')}", "perhaps", "--reviewer", "R"]
    )
    assert bad.exit_code == 2
    assert "'link' or 'not-link'" in bad.output
    missing = cli.invoke(app, ["review", "decide", "gp|1 ~ gp|77", "link", "--reviewer", "R"])
    assert missing.exit_code == 2 and "no stored record" in missing.output


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--reviewer", "R\x1b[2J"], "reviewer's name holds a control character"),
        (["--reviewer", "R" * 201], "reviewer's name may be at most 200 characters"),
        (["--reviewer", "R", "--note", "a\x00b"], "note holds a control character"),
        (["--reviewer", "R", "--note", "n" * 1001], "note may be at most 1000 characters"),
    ],
)
def test_review_decide_refuses_a_name_or_note_no_one_could_read_back(
    cli: CliRunner, store: Store, options: list[str], message: str
) -> None:
    # A NUL cannot be stored by PostgreSQL, an escape sequence rewrites an auditor's terminal,
    # and the API and pages already cap a note at 1000 characters.
    refused = cli.invoke(app, ["review", "decide", f"{key('1')} ~ {key('2')}", "link", *options])
    assert refused.exit_code == 2, refused.output
    assert message in refused.output
    assert "Traceback" not in refused.output
    with session_scope(store.engine) as session:
        assert review.decisions_in_force(session) == {}


def test_review_decide_refuses_a_contradiction_naming_who_decided_what(
    cli: CliRunner, store: Store
) -> None:
    for pair, decision, reviewer in (
        ("gp|1 ~ gp|3", "link", "bob"),
        ("gp|2 ~ gp|3", "not-link", "carol"),
    ):
        link(store.engine, model=StubScorer())
        done = cli.invoke(app, ["review", "decide", pair, decision, "--reviewer", reviewer])
        assert done.exit_code == 0, done.output
    refused = cli.invoke(app, ["review", "decide", "gp|1 ~ gp|2", "link", "--reviewer", "dave"])
    assert refused.exit_code == 2
    assert refused.stderr.startswith("Error: gp|1 ~ gp|2 cannot be decided link")
    assert "gp|2 ~ gp|3 (not-link by carol on " in refused.stderr
    assert "joined through gp|1 ~ gp|3 (link by bob on " in refused.stderr
    assert "decide its pair again first" in refused.stderr
    with session_scope(store.engine) as session:
        assert ("gp|1", "gp|2") not in review.decisions_in_force(session)
    # The runs go on, obeying what is in force.
    for full in (False, True):
        link(store.engine, full=full, model=StubScorer())
        persons = store.persons()
        assert persons["1"] == persons["3"] != persons["2"]


def test_review_decide_takes_record_ids_holding_a_tilde_and_a_bar(
    cli: CliRunner, store: Store
) -> None:
    store.put(person("T~1", "Ada", "Byron"), person("T~1|b", "Ada", "Byron"))
    pair = "gp|T~1 ~ gp|T~1|b"
    done = cli.invoke(app, ["review", "decide", pair, "not-link", "--reviewer", "R"])
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith(f"recorded: {pair} → not-link by R")
    with session_scope(store.engine) as session:
        assert review.decisions_in_force(session) == {("gp|T~1", "gp|T~1|b"): "not-link"}


def test_review_decide_on_a_record_no_longer_current_warns(cli: CliRunner, store: Store) -> None:
    link(store.engine, model=StubScorer())
    store.end("3")
    done = cli.invoke(app, ["review", "decide", "gp|3 ~ gp|4", "not-link", "--reviewer", "R"])
    assert done.exit_code == 0, done.output
    assert done.stdout.splitlines()[0] == "recorded: gp|3 ~ gp|4 → not-link by R"
    assert done.stderr.startswith("Warning: gp|3 is not current")
    assert "will apply if the record comes back" in done.stderr
    with session_scope(store.engine) as session:
        assert review.decisions_in_force(session) == {("gp|3", "gp|4"): "not-link"}


def test_export_persons_has_exactly_the_columns(
    cli: CliRunner, store: Store, tmp_path: Path
) -> None:
    link(store.engine, model=StubScorer())
    out = tmp_path / "persons.csv"
    result = cli.invoke(app, ["export", "persons", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["source", "source_record_id", "person_id"]
    assert sorted(r[1] for r in rows[1:]) == ["1", "2", "3", "4"]
    persons = store.persons()
    assert all(r[2] == persons[r[1]] for r in rows[1:])
    assert not (tmp_path / "persons.csv.partial").exists()


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("no/x.csv", "cannot write {tmp}/no/x.csv: there is no directory {tmp}/no"),
        ("", "--out needs a file name, or - for standard output"),
        # Each was a traceback (ValueError from pathlib) or, for "new/", a file named "new".
        (".", "--out {tmp}/. names a directory; give it a file name, such as {tmp}/persons.csv"),
        ("new/", "--out {tmp}/new/ names a directory; give it a file name, such as"),
        ("data", "--out {tmp}/data names a directory; give it a file name, such as"),
    ],
)
def test_export_to_a_place_that_is_not_a_file_is_one_clear_error(
    cli: CliRunner, store: Store, tmp_path: Path, out: str, message: str
) -> None:
    (tmp_path / "data").mkdir(exist_ok=True)
    before = sorted(tmp_path.iterdir())
    where = f"{tmp_path}/{out}" if out else ""
    result = cli.invoke(app, ["export", "persons", "--out", where])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: " + message.format(tmp=tmp_path)), result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert sorted(tmp_path.iterdir()) == before


# Record ids as a hostile or careless source might send them, and the cell each must become.
FORMULA_IDS = [
    ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
    ("+441234", "'+441234"),
    ("-2", "'-2"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tcmd", "'\tcmd"),
    ("\rcmd", "'\rcmd"),
    ("'quoted", "''quoted"),
    ("A=1", "A=1"),
]


def test_export_persons_to_stdout_writes_only_the_csv_there(
    cli: CliRunner, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    link(store.engine, model=StubScorer())
    monkeypatch.chdir(tmp_path)
    result = cli.invoke(app, ["export", "persons", "--out", "-"])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout, newline="")))
    assert rows[0] == ["source", "source_record_id", "person_id"]
    assert sorted(r[1] for r in rows[1:]) == ["1", "2", "3", "4"]
    assert "wrote 4 rows to standard output" in result.stderr
    assert not (tmp_path / "-").exists() and not (tmp_path / "-.partial").exists()
    # A file that is really called "-" is still reachable, as ./-
    to_file = cli.invoke(app, ["export", "persons", "--out", "./-"])
    assert to_file.exit_code == 0, to_file.output
    assert to_file.stdout == "wrote 4 rows to ./-\n"
    assert (tmp_path / "-").read_text(encoding="utf-8").startswith("source,")


def test_export_persons_defuses_formulas_in_every_cell(
    cli: CliRunner, store: Store, tmp_path: Path
) -> None:
    store.put(*(person(record_id, "Jo", "Bloggs") for record_id, _ in FORMULA_IDS))
    out = tmp_path / "persons.csv"
    result = cli.invoke(app, ["export", "persons", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(newline="", encoding="utf-8") as handle:
        exported = {row[1] for row in list(csv.reader(handle))[1:]}
    assert exported >= {cell for _, cell in FORMULA_IDS}
    assert not any(cell[:1] in "=+-@\t\r" for cell in exported)
    on_stdout = cli.invoke(app, ["export", "persons", "--out", "-"])
    assert '"\'=HYPERLINK(""http://x"")"' in on_stdout.stdout


@pytest.mark.parametrize("umask", [0o022, 0o000, 0o277])
def test_export_persons_file_is_owner_only_whatever_the_umask(
    cli: CliRunner, store: Store, tmp_path: Path, umask: int
) -> None:
    out = tmp_path / "persons.csv"
    out.write_text("an older export\n")
    out.chmod(0o644)
    previous = os.umask(umask)
    try:
        result = cli.invoke(app, ["export", "persons", "--out", str(out)])
    finally:
        os.umask(previous)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert out.read_text().startswith("source,source_record_id,person_id")


GIVEN = ("Amara", "Tomasz", "Priya", "Declan", "Fatima", "Oluwaseun", "Megan", "Jan", "Aisha")
FAMILY = ("Okafor", "Nowak", "Patel", "Byrne", "Hussain", "Adeyemi", "Jones", "Kowalski")


@pytest.fixture
def trainable(store: Store) -> Store:
    """Enough records that a full run trains a model rather than use the shipped one: 24
    people, most with two records, and few of the comparison levels ever reached."""
    people = []
    for i in range(24):
        given, family = GIVEN[i % len(GIVEN)], FAMILY[i % len(FAMILY)]
        dob = f"19{50 + i}-0{1 + i % 9}-1{i % 10}"
        people.append(person(f"t{i}a", given, family, dob))
        if i % 4:
            people.append(person(f"t{i}b", given, family, dob if i % 3 else None))
    store.put(*people)
    return store


def test_link_shows_none_of_splinks_messages_and_one_training_line(
    cli: CliRunner, trainable: Store
) -> None:
    # Trained on a few dozen records, the model sees few levels and Splink warns about each.
    result = cli.invoke(app, ["link", "--full"])
    assert result.exit_code == 0, result.output
    assert "link run 1 (full, duckdb)" in result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("training: ")
    assert "comparison levels could not be estimated" in lines[0]
    for chatter in ("max_pairs", "not observed", "truly the case", "EM block", "splink"):
        assert chatter not in result.stderr


def test_link_verbose_shows_splinks_messages_marked(cli: CliRunner, trainable: Store) -> None:
    result = cli.invoke(app, ["link", "--full", "-v"])
    assert result.exit_code == 0, result.output
    assert "splink: You are using the default value for `max_pairs`" in result.stderr
    assert "not observed in dataset" in result.stderr
    assert sum(line.startswith("training: ") for line in result.stderr.splitlines()) == 1
    # "splink:" lines, not the word: the database's path names this test, which says splink.
    assert "splink:" not in result.stdout


def test_person_shows_each_records_evidence_and_where_a_retired_id_went(
    cli: CliRunner, store: Store
) -> None:
    link(store.engine, model=StubScorer())
    amara, tomasz = store.persons()["1"], store.persons()["3"]
    shown = cli.invoke(app, ["person", amara])
    assert shown.exit_code == 0, shown.output
    assert f"person {amara}: 2 records" in shown.output
    assert f"{key('1')}  joined in run 1" in shown.output
    assert (
        f"matched {key('2')} at 0.999990: dob +9.0, name +7.6; from a start of +0.0, "
        "total +16.6" in shown.output
    )
    for personal in ("Amara", "Okafor", "1980"):
        assert personal not in shown.output
    # A reviewer joins Tomasz's person to Amara's: one id is retired and says where it went.
    with session_scope(store.engine) as session:
        review.decide(session, (key("1"), key("3")), "link", "A Reviewer", "checked the file")
    link(store.engine, model=StubScorer())
    survivor = store.persons()["1"]
    retired = tomasz if survivor == amara else amara
    moved = cli.invoke(app, ["person", retired])
    assert moved.exit_code == 0, moved.output
    assert f"{retired} was retired: " in moved.output and f"→ {survivor}" in moved.output
    assert "link by A Reviewer on " in moved.output
    assert "checked the file" not in moved.output  # a reviewer's note is never printed
    as_json = json.loads(cli.invoke(app, ["person", retired, "--json"]).output)
    assert as_json["person_id"] == survivor and as_json["decisions"][0]["note"] is True


def test_person_split_off_from_another_shows_the_split(cli: CliRunner, store: Store) -> None:
    link(store.engine, model=StubScorer())
    amara = store.persons()["1"]
    store.put(person("2", "Zofia", "Quinn", "1999-09-09"))  # no longer Amara's record
    result = link(store.engine, model=StubScorer())
    split_off = store.persons()["2"]
    assert split_off != amara == store.persons()["1"]
    shown = cli.invoke(app, ["person", split_off])
    assert shown.exit_code == 0, shown.output
    assert re.search(
        rf"run {result.run_id} \(\d{{4}}-\d\d-\d\d \d\d:\d\d UTC\): split off from {amara} "
        r"\(it kept 1 record; this person 1 record\)",
        shown.output,
    ), shown.output
    kept = cli.invoke(app, ["person", amara])
    assert re.search(
        rf"run {result.run_id} \(\d{{4}}-\d\d-\d\d \d\d:\d\d UTC\): split {amara} \(1 record\), "
        rf"{split_off} \(1 record\)",
        kept.output,
    ), kept.output


def test_person_takes_an_id_in_any_case_and_with_spaces(cli: CliRunner, store: Store) -> None:
    # "joinedup person p…" in lower case, or pasted with a space, said "no person has the id".
    link(store.engine, model=StubScorer())
    amara = store.persons()["1"]
    exact = cli.invoke(app, ["person", amara])
    assert exact.exit_code == 0, exact.output
    for typed in (
        amara.lower(),
        f"  {amara} ",
        f"\t{amara.lower()}\n",
        amara[:5] + " " + amara[5:],
    ):
        shown = cli.invoke(app, ["person", typed])
        assert shown.exit_code == 0, shown.output
        assert shown.output == exact.output  # the id as issued, never as typed
    as_json = json.loads(cli.invoke(app, ["person", amara.lower(), "--json"]).output)
    assert as_json["lookup"]["requested"] == amara == as_json["person_id"]


def test_person_with_an_unknown_id_is_a_clear_error(cli: CliRunner, store: Store) -> None:
    link(store.engine, model=StubScorer())
    result = cli.invoke(app, ["person", "PNOSUCHPERSON"])
    assert result.exit_code == 3
    assert "PNOSUCHPERSON" in result.output


def test_link_puts_a_split_that_carried_a_residents_objection_on_the_ig_queue(
    cli: CliRunner, store: Store
) -> None:
    assert cli.invoke(app, ["link", "--full"]).exit_code == 0
    amara = store.persons()["1"]
    assert store.persons()["2"] == amara
    with session_scope(store.engine) as session:
        record_choice(
            session,
            person_id=amara,
            kind="objection",
            purpose="housing_support",
            given=True,
            recorded_by="amara@example.org",
        )
        review.decide(session, (key("1"), key("2")), "not-link", "A Reviewer", "twins")
    result = cli.invoke(app, ["link"])
    assert result.exit_code == 0, result.output
    other = store.persons()["2"] if store.persons()["1"] == amara else store.persons()["1"]
    assert other != amara
    with session_scope(store.engine) as session:
        alerts = session.scalars(select(Alert).where(Alert.kind == "split_choices")).all()
        assert [(a.person_id, a.organisation) for a in alerts] == [(other, "hub")]


def test_link_says_when_a_split_holds_a_residents_account(cli: CliRunner, store: Store) -> None:
    assert cli.invoke(app, ["link", "--full"]).exit_code == 0
    amara = store.persons()["1"]
    with session_scope(store.engine) as session:
        accounts.create_user(
            session,
            username="amara.resident",
            display_name="Amara",
            role="resident",
            person_id=amara,
        )
        review.decide(session, (key("1"), key("2")), "not-link", "A Reviewer", "twins")
    result = cli.invoke(app, ["link"])
    assert result.exit_code == 0, result.output
    assert "split the person of 1 resident account(s)" in result.stderr
    assert "amara" not in result.stderr.lower()  # no one is named
    with session_scope(store.engine) as session:
        assert [h.username for h in resident_holds.holds(session).values()] == ["amara.resident"]
