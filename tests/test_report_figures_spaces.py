"""Figures of runs of several spaces: a panel per (space, dataset), the NB301 column, skip-connections per cell
type, and the NAS-Bench-1Shot1 regret figure with its reference levels (GAEA Figure 2)."""

from __future__ import annotations

import numpy as np
import pytest

from reports.figures import curve_figure, curve_kinds, draw_figures, line_styles
from spaces.nb1shot1.references import UNSOURCED
from spaces.nb1shot1.spaces import get_space as oneshot_space
from spaces.nb201.oracle import NB201Oracle
from tests.evaluation_helpers import DARTS_V2  # quark0/darts cnn/genotypes.py DARTS_V2
from tests.family_runs import ONESHOT_ARCHS, family_config, family_row, settings_under, write_rows
from tests.run_helpers import tiny_run_config
from tests.test_report_loading import arch_at, write_run

OPTIMUM = 94.2  # the fake 1Shot1 records' best mean test accuracy (accuracy + regret of every row)


def nb301(method: int, seed: int, epoch: int) -> float:
    return 80.0 + 2 * method + seed + 0.5 * epoch


def write_darts(root, methods=("darts", "pcdarts"), seeds=3, epochs=3, with_nb301=True):
    for m, method in enumerate(methods):
        config = family_config(method, "darts", epochs)
        for seed in range(seeds):
            rows = [family_row(config, e, DARTS_V2, **({"accuracy": {"cifar10": {"nb301": nb301(m, seed, e)}}}
                                                       if with_nb301 else {}))
                    for e in range(1, epochs + 1)]
            for e, row in enumerate(rows, start=1):  # skip counts that differ by seed and epoch
                row["op_counts"] = {"normal": {"skip": seed + e, "parametric": 1}, "reduce": {"skip": m, "parametric": 2}}
            write_rows(root, config, seed, rows)


def regret(method: int, seed: int, epoch: int) -> float:
    return 3.0 - 0.5 * epoch + 0.2 * seed + method


def write_oneshot(root, spaces=("nb1shot1-s1", "nb1shot1-s2", "nb1shot1-s3"), methods=("darts", "gaea"), seeds=2,
                  epochs=3):
    for space in spaces:
        for m, method in enumerate(methods):
            config = family_config(method, space, epochs)
            for seed in range(seeds):
                rows = []
                for e in range(1, epochs + 1):
                    r = regret(m, seed, e)
                    rows.append(family_row(config, e, ONESHOT_ARCHS[space], accuracy={"cifar10": {"test": OPTIMUM - r}},
                                           regret={"cifar10": {"test": r}}))
                write_rows(root, config, seed, rows)


def kind_named(settings, name):
    (kind,) = [kind for kind in curve_kinds(settings) if kind.name == name]
    return kind


def draw(settings, name):
    return curve_figure(kind_named(settings, name), settings, line_styles(settings))


def test_mixed_spaces_get_a_panel_per_space_and_dataset(tmp_path, synthetic_store):
    oracle = NB201Oracle.load(synthetic_store)
    write_run(tmp_path, tiny_run_config(epochs=3), 0, [arch_at(e) for e in range(3)], oracle)
    write_oneshot(tmp_path, spaces=("nb1shot1-s1",), seeds=1)
    write_darts(tmp_path, seeds=1)
    settings = settings_under(tmp_path)
    figure, _ = draw(settings, "oracle_test_regret")  # NB201 and 1Shot1 have regret, NB301 has none
    assert [ax.get_title().split(":")[0] for ax in figure.axes] == ["nb1shot1-s1, search on CIFAR-10",
                                                                    "nb201, search on CIFAR-10"]
    figure, _ = draw(settings, "entropy")
    assert len(figure.axes) == 3 and "darts, search on CIFAR-10" in figure.axes[0].get_title()


def test_nb201_alone_keeps_its_panel_titles_and_gets_no_family_figures(tmp_path, synthetic_store):
    write_run(tmp_path, tiny_run_config(epochs=2), 0, [arch_at(1), arch_at(2)], NB201Oracle.load(synthetic_store))
    settings = settings_under(tmp_path)
    names = {kind.name for kind in curve_kinds(settings)}
    assert not names & {"skip_count_per_cell_type", "oracle_test_regret_references"}
    assert not any(name.startswith("oracle_accuracy_") for name in names)
    figure, _ = draw(settings, "entropy")
    assert figure.axes[0].get_title().startswith("search on CIFAR-10: mean over seeds, 95% band")


def test_nb301_column_is_drawn_as_mean_and_one_std_over_seeds(tmp_path):
    write_darts(tmp_path)
    settings = settings_under(tmp_path)
    figure, notes = draw(settings, "oracle_accuracy_cifar10_nb301")
    assert notes == [] and len(figure.axes) == 1
    assert figure.get_suptitle().startswith("NB301-predicted CIFAR-10 accuracy per search epoch")
    means = [line for line in figure.axes[0].get_lines() if line.get_linewidth() == pytest.approx(1.6)]
    assert len(means) == 2, "one mean line per method"
    for m, line in enumerate(means):
        expected = [np.mean([nb301(m, seed, e) for seed in range(3)]) for e in (1, 2, 3)]
        assert list(line.get_ydata()) == pytest.approx(expected)
    (band, *_) = figure.axes[0].collections
    low, high = band.get_paths()[0].vertices[:, 1].min(), band.get_paths()[0].vertices[:, 1].max()
    spread = np.std([nb301(0, seed, 1) for seed in range(3)], ddof=1)
    assert low == pytest.approx(nb301(0, 1, 1) - spread) and high == pytest.approx(nb301(0, 1, 3) + spread)


def test_nb301_figure_is_a_note_when_runs_lack_the_column(tmp_path):
    write_darts(tmp_path, with_nb301=False)
    figure, notes = draw(settings_under(tmp_path), "oracle_accuracy_cifar10_nb301")
    assert figure is None and notes == ["figure oracle_accuracy_cifar10_nb301 not drawn: no run records "
                                        "accuracy.cifar10.nb301"]


def test_skip_connections_per_cell_type_have_a_panel_per_type(tmp_path):
    write_darts(tmp_path)
    settings = settings_under(tmp_path)
    figure, _ = draw(settings, "skip_count_per_cell_type")
    assert [ax.get_title().split(":")[0] for ax in figure.axes] == ["search on CIFAR-10, normal cell",
                                                                    "search on CIFAR-10, reduce cell"]
    normal_means = [line for line in figure.axes[0].get_lines() if line.get_linewidth() == pytest.approx(1.6)]
    assert list(normal_means[0].get_ydata()) == pytest.approx([np.mean([s + e for s in range(3)]) for e in (1, 2, 3)])
    reduce_means = [line for line in figure.axes[1].get_lines() if line.get_linewidth() == pytest.approx(1.6)]
    assert [list(line.get_ydata()) for line in reduce_means] == [[0, 0, 0], [1, 1, 1]]


def test_skip_per_cell_type_is_a_note_when_rows_lack_the_counts(tmp_path):
    write_darts(tmp_path, seeds=1)
    for path in tmp_path.rglob("epochs.jsonl"):
        path.write_text(path.read_text().replace('"op_counts"', '"other_counts"'))
    figure, notes = draw(settings_under(tmp_path), "skip_count_per_cell_type")
    assert figure is None and notes == ["figure skip_count_per_cell_type not drawn: no run records op_counts "
                                        "(the skip count of each cell type)"]


def test_oneshot_regret_figure_has_a_panel_per_space_and_the_repo_minimum(tmp_path):
    write_oneshot(tmp_path)
    settings = settings_under(tmp_path)
    figure, notes = draw(settings, "oracle_test_regret_references")
    assert [ax.get_title().split(",")[0] for ax in figure.axes] == ["nb1shot1-s1", "nb1shot1-s2", "nb1shot1-s3"]
    assert UNSOURCED in notes
    for number, ax in enumerate(figure.axes, start=1):
        (reference,) = [line for line in ax.get_lines() if line.get_label().startswith("repo test_min_error")]
        assert reference.get_label() == "repo test_min_error (per-repeat minimum, below every mean)"
        # on the axis of the records' regret (0 = best mean accuracy), the per-repeat minimum sits below 0
        expected = OPTIMUM - 100 * (1 - oneshot_space(number).test_min_error)
        assert reference.get_ydata()[0] == pytest.approx(expected)
        means = [line for line in ax.get_lines() if line.get_linewidth() == pytest.approx(1.6)]
        assert len(means) == 2
        assert list(means[1].get_ydata()) == pytest.approx([np.mean([regret(1, s, e) for s in range(2)])
                                                            for e in (1, 2, 3)])
    legend_labels = [text.get_text() for text in figure.legends[0].get_texts()]
    assert "repo test_min_error (per-repeat minimum, below every mean)" in legend_labels


def test_every_family_figure_is_written(tmp_path):
    write_darts(tmp_path / "runs", seeds=2, epochs=2)
    write_oneshot(tmp_path / "runs", spaces=("nb1shot1-s1",), seeds=2, epochs=2)
    result = draw_figures(settings_under(tmp_path / "runs"), tmp_path / "figures", show_progress=False)
    stems = {path.stem for path in result.written if path.parent == tmp_path / "figures"}
    assert {"oracle_accuracy_cifar10_nb301", "skip_count_per_cell_type", "oracle_test_regret_references",
            "arch_weights"} <= stems
    for stem in stems:
        assert (tmp_path / "figures" / f"{stem}.png").stat().st_size > 0
        assert (tmp_path / "figures" / f"{stem}.pdf").read_bytes().startswith(b"%PDF")
