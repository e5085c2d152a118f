"""people.parquet: written by a run with people=True (--people), and the cohort and visits
questions asked of it (api.cohort, api.visits, `coexist cohort`)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from coexist import api
from coexist.cli.main import main
from coexist.engine.spells import PEOPLE_SCHEMA
from coexist.errors import ScenarioError
from coexist.store import StoreError
from coexist.store.people import NoPeopleError
from coexist.testing import TINY_OVERRIDES
from coexist.testing.cli import one_line

STATUSES = ["home", "titp", "ssw1", "irregular", "returned"]
# person, status, start, end, end_reason, visit (origin VNM, sector construction, employer 3 in the host)
SPELLS = [
    (1, "titp", "2025-01", "2026-03", "return", 1),
    (1, "returned", "2026-03", "2027-02", "reentry", 1),
    (1, "titp", "2027-02", None, None, 2),
    (2, "titp", "2025-01", "2026-05", "abscond", 1),
    (2, "irregular", "2026-05", "2027-01", "removal", 1),
    (2, "returned", "2027-01", None, None, 1),
    (3, "titp", "2025-01", "2026-06", "job_change", 1),  # a change of employer: not the end of the status
    (3, "titp", "2026-06", "2028-01", "upgrade", 1),
    (3, "ssw1", "2028-01", None, None, 1),
    (4, "titp", "2025-01", "2026-08", "upgrade", 1),
    (4, "ssw1", "2026-08", "2026-12", "death", 1),
    (5, "titp", "2026-02", "2026-10", "return", 1),
    (5, "returned", "2026-10", None, None, 1),
    (6, "ssw1", "2025-01", None, None, 1),
    (7, "titp", "2025-01", "2026-02", "return", 1),  # two titp spells ended in 2026: counted once
    (7, "returned", "2026-02", "2026-04", "reentry", 1),
    (7, "titp", "2026-04", "2026-09", "return", 2),
    (7, "returned", "2026-09", None, None, 2),
]


def _write_run_folder(folder: Path, *, people: bool = True, scale: float = 0.5) -> Path:
    folder.mkdir(parents=True)
    run = {"scale": scale, "start": "2025-01", "end": "2030-12", "extra": {"status_names": STATUSES}}
    (folder / "run.json").write_text(json.dumps(run), encoding="utf-8")
    if people:
        host = [s not in ("returned", "irregular") for _, s, *_ in SPELLS]
        table = pa.table(
            {
                "person_id": [p for p, *_ in SPELLS],
                "origin": ["VNM"] * len(SPELLS),
                "status": [s for _, s, *_ in SPELLS],
                "sector": ["construction"] * len(SPELLS),
                "employer_id": [3 if h else None for h in host],
                "start": [row[2] for row in SPELLS],
                "end": [row[3] for row in SPELLS],
                "end_reason": [row[4] for row in SPELLS],
                "visit": [row[5] for row in SPELLS],
            }
        ).cast(PEOPLE_SCHEMA)
        pq.write_table(table, folder / "people.parquet")
    return folder


@pytest.fixture
def folder(tmp_path):
    return _write_run_folder(tmp_path / "run")


def _shares(result):
    return {row["state"]: (row["agents"], row["share"]) for row in result.rows}


def test_a_cohort_is_placed_at_a_later_month(folder):
    result = api.cohort(folder, status="titp", ended_from="2026-01", ended_to="2026-12", at="2027-06")
    assert result.agents == 5 and result.persons == 10.0  # persons 1, 2, 4, 5, 7 at scale 0.5
    assert _shares(result) == {"returned": (3, 0.6), "titp": (1, 0.2), "left_model": (1, 0.2)}
    assert [row["persons"] for row in result.rows] == [6.0, 2.0, 2.0]


def test_a_cohort_at_an_earlier_month_counts_those_not_arrived_yet(folder):
    result = api.cohort(folder, status="titp", ended_from="2026-01", ended_to="2026-12", at="2026-01")
    assert _shares(result) == {"titp": (4, 0.8), "not_yet_arrived": (1, 0.2)}


def test_a_spell_ending_in_the_month_asked_about_is_not_held_then(folder):
    # person 1 returned in 2026-03: at the end of that month they are at origin
    result = api.cohort(folder, status="titp", ended_from="2026-03", ended_to="2026-03", at="2026-03")
    assert _shares(result) == {"returned": (1, 1.0)}


def test_an_empty_cohort_has_no_rows(folder):
    result = api.cohort(folder, status="ssw1", ended_from="2029-01", ended_to="2029-12", at="2030-01")
    assert result.agents == 0 and result.rows == []


def test_visits_count_the_stays_of_each_person(folder):
    assert api.visits(folder) == [
        {"visits": 1, "agents": 5, "persons": 10.0, "share": 5 / 7},
        {"visits": 2, "agents": 2, "persons": 4.0, "share": 2 / 7},
    ]


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"ended_from": "2026-13"}, "ended_from"),
        ({"ended_to": "2025-06"}, "ended_to"),
        ({"at": "2031-01"}, "at"),
        ({"ended_from": "2024-12"}, "ended_from"),
        ({"status": "nurse"}, "status"),
    ],
)
def test_bad_arguments_name_themselves(folder, arguments, field):
    asked = {"status": "titp", "ended_from": "2026-01", "ended_to": "2026-12", "at": "2027-06", **arguments}
    with pytest.raises(ScenarioError) as caught:
        api.cohort(folder, **asked)
    assert caught.value.field == field and "Got" in str(caught.value)


def test_a_run_without_people_says_how_to_get_them(tmp_path):
    folder = _write_run_folder(tmp_path / "plain", people=False)
    with pytest.raises(NoPeopleError, match="people=True"):
        api.cohort(folder, status="titp", ended_from="2026-01", ended_to="2026-12", at="2027-06")
    with pytest.raises(StoreError, match="run folder"):
        api.visits(tmp_path / "nowhere")


def test_the_command_prints_the_shares_and_json(folder, capsys):
    assert main(["cohort", str(folder), "--status", "titp", "--ended-from", "2026-01", "--ended-to", "2026-12",
                 "--at", "2027-06"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("5 people whose titp spell ended 2026-01 to 2026-12 (10 persons")
    assert any("at origin (returned)" in line and "60.0%" in line for line in lines)
    assert any("left the model" in line and "20.0%" in line for line in lines)
    assert main(["cohort", str(folder), "--status", "titp", "--ended-from", "2026-03", "--at", "2026-03",
                 "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["ended_to"] == "2026-03" and answer["rows"][0]["state"] == "returned"
    assert main(["cohort", str(folder), "--visits"]) == 0
    assert "2 stays" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--status", "nurse", "--ended-from", "2026-01", "--at", "2027-01"], "--status must be one of"),
        (["--status", "titp", "--ended-from", "2026-01", "--at", "2031-01"], "--at must be a month of the run"),
        (["--status", "titp", "--ended-from", "2026-01"], "required: --at"),
        (["--status", "titp", "--ended-from", "2026-1", "--at", "2027-01"], "--ended-from"),
    ],
)
def test_the_command_refuses_bad_input_in_one_line(folder, capsys, arguments, expected):
    assert main(["cohort", str(folder), *arguments]) == 2
    captured = capsys.readouterr()
    assert expected in one_line(captured.err) and captured.out == ""


def test_the_command_says_to_run_again_with_people(tmp_path, capsys):
    folder = _write_run_folder(tmp_path / "plain", people=False)
    assert main(["cohort", str(folder), "--visits"]) == 2
    assert "--people" in one_line(capsys.readouterr().err)


def test_a_run_with_people_writes_the_spells_and_answers_cohorts(tmp_path, capsys):
    sets = [f"--set={override}" for override in TINY_OVERRIDES]
    assert main(["run", "japan-temporary", *sets, "--seed", "3", "--people", "--out", str(tmp_path / "run")]) == 0
    capsys.readouterr()
    people = pq.read_table(tmp_path / "run" / "people.parquet")
    assert people.schema == PEOPLE_SCHEMA and people.num_rows > 5000
    result = api.cohort(tmp_path / "run", status="titp", ended_from="2027-01", ended_to="2027-12", at="2029-12")
    text = {name: people[name].cast(pa.string()) for name in ("status", "end_reason", "end")}
    ended = people.filter(pc.and_(pc.equal(text["status"], "titp"),
                                  pc.and_(pc.not_equal(text["end_reason"], "job_change"),
                                          pc.starts_with(text["end"], "2027-"))))
    assert result.agents == len(set(ended["person_id"].to_pylist())) > 0
    assert sum(row["share"] for row in result.rows) == pytest.approx(1.0)
    plain = api.run("japan-temporary", overrides=TINY_OVERRIDES, seed=3, out=tmp_path / "plain")
    assert not (plain.folder / "people.parquet").exists()
    assert pq.read_table(plain.folder / "flows.parquet").equals(pq.read_table(tmp_path / "run" / "flows.parquet"))
