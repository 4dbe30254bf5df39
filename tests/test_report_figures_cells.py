"""Derived-cell drawings from each space's DerivedCell graphs, and the architecture weights of every cell type."""

from __future__ import annotations

from reports.cell_figures import cell_figure, cell_figure_name
from reports.figures import draw_figures, weights_figure
from spaces.registry import get_space
from tests.evaluation_helpers import DARTS_V2  # quark0/darts cnn/genotypes.py DARTS_V2
from tests.family_runs import ONESHOT_ARCHS, family_config, family_row, settings_under, write_rows

NB201_TEXT = "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_1x1~1|skip_connect~2|"


def test_darts_v2_cells_have_eight_op_edges_each_and_the_concat():
    normal, reduce = get_space("darts").parse(DARTS_V2).derived_cells()
    assert (normal.cell_type, reduce.cell_type) == ("normal", "reduce")
    # quark0/darts cnn/genotypes.py DARTS_V2; node k of the genotype is drawn as k, inputs 0 and 1 as c_{k-2}, c_{k-1}
    assert normal.op_edges == ((0, 2, "sep_conv_3x3"), (1, 2, "sep_conv_3x3"), (0, 3, "sep_conv_3x3"),
                               (1, 3, "sep_conv_3x3"), (1, 4, "sep_conv_3x3"), (0, 4, "skip_connect"),
                               (0, 5, "skip_connect"), (2, 5, "dil_conv_3x3"))
    assert reduce.op_edges == ((0, 2, "max_pool_3x3"), (1, 2, "max_pool_3x3"), (2, 3, "skip_connect"),
                               (1, 3, "max_pool_3x3"), (0, 4, "max_pool_3x3"), (2, 4, "skip_connect"),
                               (2, 5, "skip_connect"), (1, 5, "max_pool_3x3"))
    assert [label for _, label in normal.nodes] == ["c_{k-2}", "c_{k-1}", "0", "1", "2", "3", "c_{k}"]
    assert set(normal.edges) - set(normal.op_edges) == {(node, 6, "") for node in (2, 3, 4, 5)}


def test_nb201_cell_has_its_six_edges_in_string_order():
    (cell,) = get_space("nb201").parse(NB201_TEXT).derived_cells()
    assert cell.op_edges == ((0, 1, "nor_conv_3x3"), (0, 2, "none"), (1, 2, "skip_connect"), (0, 3, "avg_pool_3x3"),
                             (1, 3, "nor_conv_1x1"), (2, 3, "skip_connect"))


def test_oneshot_cell_puts_ops_on_nodes_and_parents_on_plain_edges():
    (cell,) = get_space("nb1shot1-s1").parse(ONESHOT_ARCHS["nb1shot1-s1"]).derived_cells()
    assert cell.nodes == ((0, "input"), (1, "conv3x3"), (2, "maxpool3x3"), (3, "conv1x1"), (4, "conv3x3"),
                          (5, "output"))
    assert cell.op_edges == ()
    assert {(source, target) for source, target, _ in cell.edges} == {(0, 1), (0, 2), (1, 2), (1, 3), (2, 3), (0, 4),
                                                                      (3, 4), (2, 5), (4, 5)}


def test_cell_figure_draws_a_panel_per_cell_type_with_every_op_label(tmp_path):
    config = family_config("darts", "darts", 2)
    write_rows(tmp_path, config, 0, [family_row(config, e, DARTS_V2) for e in (1, 2)])
    (setting,) = settings_under(tmp_path)
    figure, notes = cell_figure(setting.label, setting.runs[0])
    assert notes == [] and [ax.get_title() for ax in figure.axes] == ["normal cell", "reduce cell"]
    labels = [text.get_text() for text in figure.axes[0].texts]
    assert sorted(label for label in labels if "_" in label and "{" not in label) == sorted(
        op for _, _, op in get_space("darts").parse(DARTS_V2).derived_cells()[0].op_edges)
    assert len(figure.axes[0].patches) == 12, "8 op edges and 4 joins into the output"


def test_every_run_gets_its_cell_drawing_as_png_and_pdf(tmp_path):
    for space in ("nb1shot1-s1", "darts"):
        config = family_config("darts", space, 1)
        arch = DARTS_V2 if space == "darts" else ONESHOT_ARCHS[space]
        write_rows(tmp_path / "runs", config, 0, [family_row(config, 1, arch)])
    settings = settings_under(tmp_path / "runs")
    result = draw_figures(settings, tmp_path / "figures", show_progress=False)
    for setting in settings:
        stem = tmp_path / "figures" / cell_figure_name(setting.runs[0])
        assert stem.parent.name == "derived_cells"
        assert {stem.with_suffix(".png"), stem.with_suffix(".pdf")} <= set(result.written)
        assert stem.with_suffix(".png").read_bytes().startswith(b"\x89PNG")


def test_weights_figure_has_a_row_per_cell_type_of_a_darts_run(tmp_path):
    config = family_config("darts", "darts", 2)
    write_rows(tmp_path, config, 0, [family_row(config, e, DARTS_V2) for e in (1, 2)])
    (setting,) = settings_under(tmp_path)
    figure, notes = weights_figure([(setting.label, setting.runs[0])])
    assert notes == [] and len(figure.axes) == 2 * 14, "normal and reduce, 14 edges each"
    assert "normal cell" in figure.axes[0].get_ylabel() and "reduce cell" in figure.axes[14].get_ylabel()
    assert len(figure.axes[14].get_lines()) == 8, "a line per DARTS op"
