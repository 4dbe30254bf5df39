"""`--space nb101`: NAS-Bench-101's table for `harness query` only.

NAS-Bench-101 is searched through its NAS-Bench-1Shot1 subspaces (nb1shot1-s1..s3); the full space
has no one-shot model here, so the search half of the space contract (decisions, supernet, derive)
raises one clear ConfigError, which `harness run --space nb101` shows before doing anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn

from spaces.errors import ConfigError
from spaces.nb101.oracle import NB101Oracle
from spaces.nb101.text import parse_arch_text


class NB101QuerySpace:
    name = "nb101"
    family = None  # no method searches it
    searchable = False
    summary = "NAS-Bench-101 (Ying et al., ICML 2019): 423,624 cells; query only (search nb1shot1-s1..s3)"
    oracle_benchmark = "nb101"
    no_oracle_reason = None

    def supernet_defaults(self) -> dict[str, Any]:
        self._not_searchable()

    def decisions(self, supernet_config: dict[str, Any]):
        self._not_searchable()

    def supernet(self, config: dict[str, Any], num_classes: int, generator):
        self._not_searchable()

    def derive(self, scores, allowed=None, input_scores=None, rule: str = "per-choice"):
        self._not_searchable()

    def parse(self, text: str):
        """A module hash (str) or an NB101Cell (spaces/nb101/text.py)."""
        return parse_arch_text(text)

    def query(self, text: str, oracle, dataset: str | None) -> dict[str, Any]:
        from spaces.nb101.query import query

        return query(text, oracle, dataset)

    def format_query(self, record: dict[str, Any]) -> str:
        from spaces.nb101.query import format_record

        return format_record(record)

    def load_oracle(self, store_path: Path) -> NB101Oracle:
        return NB101Oracle.load(store_path)

    def _not_searchable(self) -> NoReturn:
        raise ConfigError("space nb101 is NAS-Bench-101's table for `harness query` only; search it through its "
                          "NAS-Bench-1Shot1 subspaces: --space nb1shot1-s1, nb1shot1-s2 or nb1shot1-s3")
