"""Report figures: one PNG and one PDF per kind, mean curves with a t band, nothing drawn without data."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from reports.cell_figures import cell_figure_name
from reports.curves import seed_curve
from reports.figures import (
    BAND_ALPHA,
    LAMBDA_KEYS,
    curve_figure,
    curve_kinds,
    draw_figures,
    line_styles,
    weights_figure,
)
from reports.loading import load_runs
from reports.oracle_source import OracleSources
from reports.settings import group_settings
from reports.statistics import confidence_band
from spaces.nb201.encoding import OPS
from spaces.nb201.oracle import NB201Oracle
from tests.run_helpers import tiny_run_config
from tests.test_report_loading import arch_at, write_run

CURVES = ("oracle_test_accuracy", "oracle_test_regret", "entropy", "layer_alignment", "skip_count")


def settings_of(root, store):
    return group_settings(load_runs([root], OracleSources(store.parent.parent), show_progress=False).runs)


@pytest.fixture
def two_methods(tmp_path, synthetic_store):
    oracle = NB201Oracle.load(synthetic_store)
    root = tmp_path / "runs"
    for method in ("darts", "prime"):
        for seed in range(3):
            write_run(root, tiny_run_config(method, epochs=4), seed, [arch_at(100 * seed + e) for e in range(4)], oracle)
    return root


def test_every_figure_is_written_as_png_and_pdf(two_methods, synthetic_store, tmp_path):
    settings = settings_of(two_methods, synthetic_store)
    result = draw_figures(settings, tmp_path / "figures", show_progress=False)
    cells = [cell_figure_name(run) for setting in settings for run in setting.runs]  # a drawing of each run's cell
    expected = {tmp_path / "figures" / f"{name}.{fmt}" for name in (*CURVES, "arch_weights", *cells)
                for fmt in ("png", "pdf")}
    assert set(result.written) == expected
    for path in expected:
        data = path.read_bytes()
        assert data.startswith(b"\x89PNG" if path.suffix == ".png" else b"%PDF") and len(data) > 5000
    assert result.notes == ["figure hessian_eigenvalue not drawn: no run records hessian_eigenvalue "
                            "(diagnostics.hessian_every > 0)"]


def test_a_quantity_no_run_records_is_skipped_with_a_note(tmp_path, synthetic_store):
    oracle = NB201Oracle.load(synthetic_store)
    run = write_run(tmp_path / "runs", tiny_run_config(epochs=2), 0, [arch_at(1), arch_at(2)], oracle)
    run.epochs.write_text(run.epochs.read_text().replace('"layer_alignment"', '"unrelated"'))
    settings = settings_of(tmp_path / "runs", synthetic_store)
    kinds = {kind.name: kind for kind in curve_kinds(settings)}
    figure, notes = curve_figure(kinds["layer_alignment"], settings, line_styles(settings))
    assert figure is None and notes == [f"figure layer_alignment not drawn: no run records {' or '.join(LAMBDA_KEYS)}"]
    figure, notes = curve_figure(kinds["entropy"], settings, line_styles(settings))
    assert figure is not None and notes == []


def test_lambda_regulariser_key_is_used_when_the_diagnostic_is_absent(tmp_path, synthetic_store):
    oracle = NB201Oracle.load(synthetic_store)
    run = write_run(tmp_path / "runs", tiny_run_config("lambda", epochs=2), 0, [arch_at(1), arch_at(2)], oracle)
    run.epochs.write_text(run.epochs.read_text().replace('"layer_alignment"', '"inner_reg_alignment"'))
    settings = settings_of(tmp_path / "runs", synthetic_store)
    (kind,) = [kind for kind in curve_kinds(settings) if kind.name == "layer_alignment"]
    figure, _ = curve_figure(kind, settings, line_styles(settings))
    (line,) = figure.axes[0].get_lines()
    assert list(line.get_ydata()) == pytest.approx([0.5 - 0.1, 0.5 - 0.2]), "fake_row writes 0.5 - 0.1 * epoch"


def test_seed_curve_is_the_mean_with_a_student_t_band(two_methods, synthetic_store):
    setting = settings_of(two_methods, synthetic_store)[0]
    curve = seed_curve(setting.runs, lambda row: row["accuracy"]["cifar10"]["test"])
    for index, epoch in enumerate(curve.epochs):
        values = [run.rows[epoch - 1]["accuracy"]["cifar10"]["test"] for run in setting.runs]
        low, high = stats.t.interval(0.95, len(values) - 1, loc=np.mean(values), scale=stats.sem(values))
        assert curve.mean[index] == pytest.approx(np.mean(values))
        assert (curve.low[index], curve.high[index]) == pytest.approx((low, high))
    assert list(curve.seeds) == [3, 3, 3, 3]


def test_one_seed_has_no_band():
    assert confidence_band([91.0]) is None
    assert confidence_band([1.0, 3.0]) == pytest.approx((2 - 12.7062047 * 1.0, 2 + 12.7062047 * 1.0))


def test_weights_figure_has_a_row_of_edge_panels_per_chosen_run(two_methods, synthetic_store):
    settings = settings_of(two_methods, synthetic_store)
    figure, notes = weights_figure([(settings[1].label, settings[1].runs[2])])
    assert len(figure.axes) == 6 and notes == []
    lines = figure.axes[0].get_lines()
    assert [line.get_label() for line in lines] == list(OPS)
    assert list(lines[0].get_ydata()) == [row["arch_weights"][0][0] for row in settings[1].runs[2].rows]
    figure, _ = weights_figure([(s.label, s.runs[0]) for s in settings])
    assert len(figure.axes) == 12


def test_a_setting_searched_on_two_datasets_keeps_its_colour_and_style(tmp_path, synthetic_store):
    oracle = NB201Oracle.load(synthetic_store)
    for dataset in ("cifar10", "cifar100"):
        for eta in (0.1, 0.5):
            config = tiny_run_config("amended", epochs=1, assignments=[f"amended.eta={eta}"])
            config["dataset"] = dataset
            write_run(tmp_path, config, 0, [arch_at(1)], oracle)
    settings = settings_of(tmp_path, synthetic_store)
    styles = line_styles(settings)
    by_label = {}
    for setting in settings:
        by_label.setdefault(setting.label, set()).add(styles[id(setting)])
    assert all(len(seen) == 1 for seen in by_label.values()), "one look per label, whatever the dataset"
    assert len({next(iter(seen)) for seen in by_label.values()}) == 2, "two labels, two looks"


@pytest.mark.parametrize("methods, seeds, seed_lines", [(1, 1, 0), (1, 3, 3), (1, 5, 0), (2, 2, 4), (5, 2, 0)])
def test_single_seeds_are_drawn_beside_the_mean_only_for_few_seeds_and_settings(
        tmp_path, synthetic_store, methods, seeds, seed_lines):
    oracle = NB201Oracle.load(synthetic_store)
    for method in ("darts", "prime", "fimt", "cs10", "pr")[:methods]:
        for seed in range(seeds):
            write_run(tmp_path, tiny_run_config(method, epochs=3), seed, [arch_at(40 * seed + e) for e in range(3)],
                      oracle)
    settings = settings_of(tmp_path, synthetic_store)
    (kind,) = [kind for kind in curve_kinds(settings) if kind.name == "oracle_test_accuracy"]
    figure, _ = curve_figure(kind, settings, line_styles(settings))
    lines = figure.axes[0].get_lines()
    assert len(lines) == methods + seed_lines
    mean, *singles = lines[: 1 + seed_lines // methods]  # each setting: its mean, then its seeds
    expected = [[row["accuracy"]["cifar10"]["test"] for row in run.rows] for run in settings[0].runs]
    assert sorted(list(line.get_ydata()) for line in singles) == (sorted(expected) if seed_lines else [])
    assert list(mean.get_ydata()) == pytest.approx(np.mean(expected, axis=0))
    bands = figure.axes[0].collections
    assert len(bands) == (methods if seeds > 1 else 0)
    assert all(band.get_alpha() == pytest.approx(BAND_ALPHA / 3 if seed_lines else BAND_ALPHA) for band in bands)
