"""What a curve figure draws: per setting, a quantity per panel part, with its band and reference lines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from reports.curves import Band, Quantity
from reports.settings import Setting
from reports.statistics import confidence_band

# setting -> {panel part: quantity}; part "" for a quantity that needs no panel of its own beyond the
# (space, dataset) one, e.g. {"normal": ..., "reduce": ...} for a quantity per cell type; {} : no curve
Parts = Callable[[Setting], dict[str, Quantity]]
# setting -> [(label, y)]: horizontal reference lines of its panel
ReferenceLines = Callable[[Setting], list[tuple[str, float]]]

T_BAND = "mean over seeds, 95% band"
STD_BAND = "mean ± 1 std over seeds"


@dataclass(frozen=True)
class CurveKind:
    name: str
    ylabel: str
    parts: Parts
    recorded_as: str  # what a run must record for this figure, for the "not drawn" note
    # The quantity's range: a t band of few seeds reaches far past it (n=2: t=12.7), and a band
    # outside what the quantity can take says nothing, so bands are clipped to it.
    bounds: tuple[float | None, float | None] = (None, None)
    band: Band = confidence_band
    band_text: str = T_BAND
    title: str = ""  # the figure's title; "" keeps the panels' own
    references: ReferenceLines | None = None
    notes: tuple[str, ...] = ()  # said whenever the figure is drawn


def single(quantity_of: Callable[[Setting], Quantity | None]) -> Parts:
    """Parts of a quantity with one curve per setting (None: the setting has no such curve)."""

    def parts(setting: Setting) -> dict[str, Quantity]:
        quantity = quantity_of(setting)
        return {} if quantity is None else {"": quantity}

    return parts
