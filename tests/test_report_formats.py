"""Report formats: markdown, LaTeX (booktabs) and CSV render the same tables and parse back."""

from __future__ import annotations

import csv
import io
import re

import pytest

from reports.formats import latex_escape, render
from reports.table import MEASURED, OPTIMAL, PUBLISHED, Column, Stat, Table


def sample_tables() -> list[Table]:
    table = Table("nb201-sample", "Search on CIFAR-10: accuracy (%) & 100% of it",
                  [Column("Method"), Column("source"), Column("seeds", "int"), Column("CIFAR-10 test", "stat"),
                   Column("lambda_reg.e0", "value"), Column("best of k", "number")])
    table.add(["DARTS-", "published: Lambda-DARTS Table 1", None, Stat(93.80), None, None], PUBLISHED)
    table.add(["amended (amended.eta=0.01)", "measured", 4, Stat(91.234, 0.5), 0.0001, 92.5])
    table.add(["Optimal", "oracle optimum", None, Stat(94.37), None, None], OPTIMAL)
    table.notes.append("Measured rows: mean ± std over seeds; 50% of runs_dir")
    other = Table("second", "Second table", [Column("Setting"), Column("x", "stat")])
    other.add(["a_b", Stat(1.0, 0.25)])
    return [table, other]


NOTES = ["2 runs skipped (2 incomplete); see /tmp/runs_x"]


def test_markdown_marks_published_rows_and_keeps_every_line_aligned():
    text = render(sample_tables(), NOTES, "md")
    table_lines = [line for line in text.splitlines() if line.startswith("|")]
    assert len({line.count("|") for line in table_lines[:5]}) == 1
    assert "| DARTS-" in text and "published: Lambda-DARTS Table 1" in text
    assert "91.23 ± 0.50" in text and "| —" in text, "absent cells are a dash, not a number"
    assert "0.0001" in text and "### Notes" in text and NOTES[0] in text


def test_latex_is_booktabs_with_consistent_rows_and_escaped_text():
    text = render(sample_tables(), NOTES, "latex")
    assert text.count(r"\begin{table}") == text.count(r"\end{table}") == 2
    assert text.count(r"\toprule") == text.count(r"\bottomrule") == 2
    for match in re.finditer(r"\\begin\{tabular\}\{(\w+)\}(.*?)\\end\{tabular\}", text, re.S):
        width = len(match.group(1))
        rows = [line for line in match.group(2).splitlines() if line.endswith(r"\\")]
        assert rows, "a tabular with rows"
        for row in rows:
            assert len(re.findall(r"(?<!\\)&", row)) == width - 1, row
    body = "\n".join(line for line in text.splitlines() if not line.startswith("%"))
    unescaped = re.sub(r"\\[{}%&_#$]", "", body)
    assert unescaped.count("{") == unescaped.count("}")
    assert r"91.23 $\pm$ 0.50" in text and r"\textit{DARTS-}" in text
    assert r"amended (amended.eta=0.01)" in text and r"a\_b" in text and r"\& 100\% of it" in text


def test_latex_escape_covers_the_specials():
    assert latex_escape("a_b & c% $d# {e} ~^\\ ±") == (r"a\_b \& c\% \$d\# \{e\} \textasciitilde{}"
                                                      r"\textasciicircum{}\textbackslash{} $\pm$")


def test_csv_blocks_parse_with_means_and_stds_in_their_own_columns():
    text = render(sample_tables(), NOTES, "csv")
    notes, *blocks = text.rstrip("\n").split("\n\n")
    assert notes == f"# note: {NOTES[0]}"
    parsed = {}
    for block in blocks:
        title, body = block.split("\n", 1)
        assert title.startswith("# ")
        rows = list(csv.reader(io.StringIO(body)))
        assert len({len(row) for row in rows}) == 1, "every row as wide as the header"
        parsed[title[2:].split(":")[0]] = [dict(zip(rows[0], row)) for row in rows[1:]]
    sample = parsed["nb201-sample"]
    assert [row["origin"] for row in sample] == [PUBLISHED, MEASURED, OPTIMAL]
    assert float(sample[1]["CIFAR-10 test mean"]) == 91.234 and float(sample[1]["CIFAR-10 test std"]) == 0.5
    assert sample[0]["CIFAR-10 test std"] == "" and sample[0]["seeds"] == "", "absent stays empty"
    assert float(sample[1]["lambda_reg.e0"]) == 0.0001 and float(sample[1]["best of k"]) == 92.5
    assert parsed["second"] == [{"origin": MEASURED, "Setting": "a_b", "x mean": "1.0", "x std": "0.25"}]


def test_a_row_of_the_wrong_width_is_a_bug_caught_early():
    with pytest.raises(ValueError, match="2 cells for 6 columns"):
        sample_tables()[0].add(["x", "y"])
