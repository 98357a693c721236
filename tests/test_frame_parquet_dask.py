"""Beyond one machine: score_frame (the Python API), Parquet in and out, and --engine dask.

The contract everywhere: the same rows, columns and values as `cx-audit score -f csv`.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import pytest

pd = pytest.importorskip("pandas")

from conftest import ROOT  # noqa: E402

SAMPLE_CSV = ROOT / "samples" / "conversaciones-cola-telefonia.csv"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A CSV of 40 Spanish and 10 English generated conversations (30 turns each), the rows of
    two conversations interleaved, as a local export might have them."""
    folder = tmp_path_factory.mktemp("corpus")
    for lang, n in (("es", 40), ("en", 10)):
        subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "-n", str(n), "--lang", lang,
                        "--out", str(folder / lang)], check=True, capture_output=True)
    es = pd.read_csv(folder / "es.csv", dtype=str, keep_default_na=False)
    en = pd.read_csv(folder / "en.csv", dtype=str, keep_default_na=False)
    rows = pd.concat([es, en], ignore_index=True)
    # Interleave the rows of the 3rd and 4th conversations.
    ids = list(dict.fromkeys(rows["conversation_id"]))
    pair = rows[rows["conversation_id"].isin(ids[2:4])]
    mixed = pd.concat([pair.iloc[::2], pair.iloc[1::2]]).sort_values("turn", key=lambda s: s.astype(int), kind="stable")
    rows = pd.concat([rows[rows["conversation_id"].isin(ids[:2])], mixed, rows[rows["conversation_id"].isin(ids[4:])]],
                     ignore_index=True)
    path = folder / "turns.csv"
    rows.to_csv(path, index=False)
    return path


def cli_csv(cli, *args):
    code, out, err = cli("score", *args, "-f", "csv", "-q", "--exit-zero")
    assert code == 0, err
    return list(csv.reader(io.StringIO(out)))


def as_csv_cells(frame):
    """A result frame's values written as the CSV renderer writes cells."""
    from cx_audit.render.csvout import cell

    return [[cell(None if pd.isna(v) else v) for v in row] for row in frame.astype(object).itertuples(index=False, name=None)]


def without_source(rows):
    return [row[:1] + row[2:] for row in rows]


# ---- score_frame ----------------------------------------------------------------------------------


def test_score_frame_gives_the_csv_rows_of_the_cli(cli, corpus):
    import cx_audit

    turns = pd.read_csv(corpus, dtype=str, keep_default_na=False)
    result = cx_audit.score_frame(turns, lang="auto", name=str(corpus))
    expected = cli_csv(cli, str(corpus), "--lang", "auto")
    assert list(result.columns) == expected[0]
    assert len(result) == 50
    # Same values; the source counts data rows (the CSV's line numbers count the header too).
    assert without_source(as_csv_cells(result)) == without_source(expected[1:])
    first_lines = [int(row[1].rsplit(":", 1)[1]) for row in expected[1:]]
    assert [int(s.rsplit(":", 1)[1]) + 1 for s in result["source"]] == first_lines
    assert set(result["ruleset"]) == {"es@22", "en@22"}


def test_score_frame_is_typed_and_reads_typed_cells():
    import cx_audit

    turns = pd.read_csv(SAMPLE_CSV)  # start/end floats, dates as text
    result = cx_audit.score_frame(turns)
    assert result["score"].dtype == "float64" and result["passed"].dtype == bool
    assert str(result["conversation_id"].dtype) == "string"
    as_text = cx_audit.score_frame(pd.read_csv(SAMPLE_CSV, dtype=str))
    pd.testing.assert_frame_equal(result, as_text)
    assert result.attrs["errors"] == []


def test_score_frame_points_into_the_original_table_and_reports_bad_rows():
    import cx_audit

    turns = pd.read_csv(SAMPLE_CSV, dtype=str)
    later = turns[turns["conversation_id"] != "TEL-1001"].copy()
    later.loc[later.index[1], "text"] = ""
    with pytest.warns(UserWarning, match="1 problem"):
        result = cx_audit.score_frame(later, name="cola")
    assert result["source"].tolist()[0] == "cola:8"  # TEL-1002 starts on the table's 8th row
    assert result.attrs["errors"] == ["cola:9: empty text (column 'text'); row skipped"]
    with pytest.raises(ValueError, match="empty text"):
        cx_audit.score_frame(later, errors="raise")


def test_score_frame_takes_ruleset_objects_lists_and_the_cli_options():
    import cx_audit
    from cx_audit.ruleset import load_ruleset

    turns = pd.read_csv(SAMPLE_CSV, dtype=str).rename(columns={"text": "Mensaje", "speaker": "quien"})
    es = load_ruleset("es")
    both = cx_audit.score_frame(turns, [es, "en"], columns={"text": "Mensaje", "speaker": "quien"}, pass_mark=0)
    assert both["ruleset"].tolist() == ["es@22", "en@22"] * 4
    assert both["passed"].sum() >= 4  # pass mark 0: only an auto-fail can fail
    missing = cx_audit.score_frame(turns, errors="ignore")
    assert len(missing) == 0 and "missing required column(s)" in missing.attrs["errors"][0]
    assert list(missing.columns) == list(cx_audit.result_columns("es").columns)
    with pytest.raises(ValueError, match="lang"):
        cx_audit.score_frame(turns, lang="es")


# ---- Parquet ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_parquet(corpus, tmp_path_factory):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    frame = pd.read_csv(corpus)  # typed: turn int, start/end float
    path = tmp_path_factory.mktemp("pq") / "turns.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path, row_group_size=400)
    return path


def test_parquet_input_scores_like_the_csv(cli, corpus, corpus_parquet, tmp_path):
    from_csv = cli_csv(cli, str(corpus), "--lang", "auto")
    from_parquet = cli_csv(cli, str(corpus_parquet), "--lang", "auto")
    assert without_source(from_parquet) == without_source(from_csv)
    assert from_parquet[1][1] == f"{corpus_parquet}:1"
    # Sniffed by its magic bytes, whatever the name.
    renamed = tmp_path / "turns.data"
    renamed.write_bytes(corpus_parquet.read_bytes())
    assert without_source(cli_csv(cli, str(renamed), "--lang", "auto")) == without_source(from_csv)


def test_parquet_rows_that_cannot_be_scored_are_located_by_row(cli, tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    table = pa.table({"call_id": ["a", "a", None, "b"], "role": ["agent", "customer", "agent", "agent"],
                      "message": ["Buenas tardes, le atiende Ana.", "Hola", "x", None]})
    pq.write_table(table, tmp_path / "bad.parquet")
    (tmp_path / "fake.parquet").write_text("conversation_id,speaker,text\n")
    code, out, err = cli("score", str(tmp_path), "-f", "csv")
    assert code == 2
    assert f"{tmp_path / 'bad.parquet'}:3: empty conversation id (column 'call_id'); row skipped" in err
    assert f"{tmp_path / 'bad.parquet'}:4: empty text (column 'message'); row skipped" in err
    assert f"{tmp_path / 'fake.parquet'}: not a Parquet file" in err
    assert out.count("\n") == 2 and "2 inputs, 1 conversations, 1 scored" in err


def test_parquet_output_holds_the_csv_columns_typed(cli, corpus, tmp_path):
    pytest.importorskip("pyarrow")
    import cx_audit

    code, out, err = cli("score", str(corpus), "--lang", "auto", "-f", "parquet", "-o", str(tmp_path / "r.parquet"), "-q")
    assert code in (0, 1) and out == ""
    written = pd.read_parquet(tmp_path / "r.parquet")
    turns = pd.read_csv(corpus, dtype=str, keep_default_na=False)
    expected = cx_audit.score_frame(turns, lang="auto", name=str(corpus))
    assert without_source(as_csv_cells(written)) == without_source(as_csv_cells(expected))
    assert as_csv_cells(written) == cli_csv(cli, str(corpus), "--lang", "auto")[1:]
    assert written["passed"].dtype == bool and written["score"].dtype == "float64"
    code, out, err = cli("score", str(corpus), "-f", "parquet")
    assert code == 2 and "-f parquet writes a binary file: name it with -o FILE.parquet" in err


# ---- partitions and the Dask engine -----------------------------------------------------------------


def test_partitions_never_split_a_conversation(corpus):
    from cx_audit.inputs.base import LoadOptions
    from cx_audit.partitions import _cuts, plan, read_piece

    assert _cuts(["a", "a", "b", "c", "b", "d", "d", "e"], 1) == [2, 5, 7]  # never between b and b
    assert _cuts(["a", "b", "a"], 1) == []
    pieces, errors, inputs = plan([str(corpus)], LoadOptions(), target=200)
    assert errors == [] and inputs == 1 and len(pieces) > 5
    frames = [read_piece(p) for p in pieces]
    seen: dict[str, int] = {}
    for i, frame in enumerate(frames):
        for cid in set(frame["conversation_id"]):
            assert seen.setdefault(cid, i) == i, f"{cid} is in two partitions"
    lines = [n for f in frames for n in f["__cx_line__"]]
    assert lines == list(range(2, 1502))  # every row once, numbered by its line in the file


def test_dask_engine_without_dask_says_what_to_install(cli, corpus, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if it were not installed
    code, out, err = cli("score", str(corpus), "--engine", "dask", "-o", str(tmp_path / "r.parquet"))
    assert code == 2
    assert err == "cx-audit: error: --engine dask needs Dask: pip install 'cx-audit[dask]'\n"
    assert not (tmp_path / "r.parquet").exists()


def test_dask_engine_on_a_local_cluster_matches_the_local_run(cli, corpus, corpus_parquet, tmp_path):
    pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("distributed")

    (tmp_path / "in").mkdir()
    for path in (corpus, corpus_parquet):
        (tmp_path / "in" / path.name).write_bytes(path.read_bytes())
    (tmp_path / "in" / "notes.txt").write_text("Agente: hola\n")
    local = tmp_path / "local.parquet"
    code, _, err = cli("score", str(tmp_path / "in"), "--lang", "auto", "-f", "parquet", "-o", str(local), "--exit-zero")
    assert code == 0, err
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=40) as cluster:
        out = tmp_path / "dask.parquet"
        code, stdout, err = cli("score", str(tmp_path / "in" / "turns.*"), "--lang", "auto", "--engine", "dask",
                                "--scheduler", cluster.scheduler_address, "--partition-rows", "70",
                                "-o", str(out), "--exit-zero")
    assert code == 0, err
    assert stdout == ""
    assert "2 inputs, " in err and "100 conversations, 100 scored" in err and "0 errors" in err
    partitions = int(err.split(" partitions")[0].rsplit(" ", 1)[1])
    assert partitions >= 6
    expected = pd.read_parquet(local)
    got = pd.read_parquet(out)
    expected = expected[~expected["source"].str.contains("notes.txt")].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected)  # same rows, same order, same types


def test_dask_engine_refuses_what_it_cannot_do(cli, corpus, tmp_path):
    code, _, err = cli("score", str(corpus), "--engine", "dask")
    assert code == 2 and "name it with -o FILE.parquet" in err
    code, _, err = cli("score", str(corpus), "--engine", "dask", "-f", "csv", "-o", str(tmp_path / "x.csv"))
    assert code == 2 and "not -f csv" in err
    code, _, err = cli("score", str(corpus), "--engine", "dask", "--group-by", "agent", "-o", str(tmp_path / "x.parquet"))
    assert code == 2 and "--group-by" in err


def test_without_pyarrow_parquet_says_what_to_install(cli, corpus, corpus_parquet, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as if it were not installed
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    code, out, err = cli("score", str(corpus_parquet), "-f", "csv")
    assert code == 2
    assert f"cx-audit: error: {corpus_parquet}: reading Parquet needs pyarrow: pip install 'cx-audit[parquet]'" in err
    code, out, err = cli("score", str(corpus), "-f", "parquet", "-o", str(tmp_path / "r.parquet"))
    assert code == 2 and err == "cx-audit: error: -f parquet needs pyarrow: pip install 'cx-audit[parquet]'\n"
    assert list(tmp_path.iterdir()) == []


def test_a_text_file_that_starts_with_par1_is_still_text(cli, tmp_path):
    path = tmp_path / "nota.txt"
    path.write_text("PAR1 revisado\nAgente: Buenas tardes, le atiende Ana.\nCliente: Hola\n", encoding="utf-8")
    code, out, err = cli("score", str(path), "-f", "csv", "--exit-zero")
    assert "Parquet" not in err and "ignored: 'PAR1 revisado'" in err  # the text loader read it
    assert out.splitlines()[1].startswith("nota,")


def test_jsonl_turn_rows_partition_and_score_like_the_local_run(cli, corpus, tmp_path):
    from cx_audit.dask_engine import NOTE, score_partition
    from cx_audit.inputs.base import LoadOptions
    from cx_audit.partitions import plan, read_piece
    from cx_audit.ruleset import load_ruleset

    path = tmp_path / "turns.jsonl"
    pd.read_csv(corpus).to_json(path, orient="records", lines=True, force_ascii=False)
    pieces, errors, _ = plan([str(path)], LoadOptions(), target=250)
    assert errors == [] and len(pieces) > 4
    rulesets = [load_ruleset("es"), load_ruleset("en")]
    parts = pd.concat([score_partition(read_piece(p), rulesets, True, LoadOptions()) for p in pieces], ignore_index=True)
    assert sorted(parts.loc[parts[NOTE].notna(), NOTE])[-1].startswith("conversations: ")
    results = parts[parts[NOTE].isna()].drop(columns=[NOTE])
    assert as_csv_cells(results) == cli_csv(cli, str(path), "--lang", "auto")[1:]
