"""Embedded data of coexist: official statistics, assumptions and behavioural parameters.

Everything here works offline from files shipped in the package (``*.csv`` copied
from the project's data collection, with their source columns, and
``parameters.toml``). Every number keeps its source URL, reference date and flag
(reported / derived / uncertain / assumption); assumptions carry a range.
Nothing is computed at import time; results are cached on first use.

Examples
--------
>>> from coexist.data import initial_stocks, parameters
>>> initial_stocks().by_status()["ssw1"] > 0
True
>>> parameters()["learning_rate"].unit
'per month'
"""

from __future__ import annotations

from coexist.data._core import FLAGS, Sourced, load_table, table_names
from coexist.data.assumptions import Assumption, world_assumptions
from coexist.data.calibrated import calibrated_behaviour, calibrated_end_state, calibration, posterior_samples
from coexist.data.inputs import (
    SSW_FIELD_SECTOR,
    CapRecord,
    OriginProfile,
    caps,
    demand_anchors,
    entry_history,
    exchange_rate_assumptions,
    exchange_rates_by_year,
    fee_wage_elasticity,
    fees_by_year,
    home_wages_by_year,
    host_wages,
    origin_profiles,
    other_status_inflows,
    recent_entries,
    sector_wage_factors,
)
from coexist.data.parameters import PARAMETER_NAMES, Parameter, parameters, parameters_markdown
from coexist.data.raking import Margin, integerise, integerise_2d, rake
from coexist.data.stocks import InitialStocks, initial_stocks

__all__ = [
    "FLAGS",
    "calibration",
    "calibrated_behaviour",
    "calibrated_end_state",
    "posterior_samples",
    "Sourced",
    "load_table",
    "table_names",
    "Margin",
    "rake",
    "integerise",
    "integerise_2d",
    "InitialStocks",
    "initial_stocks",
    "OriginProfile",
    "origin_profiles",
    "exchange_rate_assumptions",
    "exchange_rates_by_year",
    "home_wages_by_year",
    "fees_by_year",
    "fee_wage_elasticity",
    "host_wages",
    "sector_wage_factors",
    "CapRecord",
    "caps",
    "SSW_FIELD_SECTOR",
    "demand_anchors",
    "other_status_inflows",
    "entry_history",
    "recent_entries",
    "Parameter",
    "PARAMETER_NAMES",
    "parameters",
    "parameters_markdown",
    "Assumption",
    "world_assumptions",
    "data_assumptions",
]


def data_assumptions() -> dict[str, Sourced]:
    """Every data value that is an assumption (flag ``assumption``), for reports.

    Returns
    -------
    dict of str to Sourced
        Keyed ``"<where>.<name>"``, e.g. ``"exchange_rate.JPY"``,
        ``"origin.NPL.fee_jpy"``, ``"stocks.workers_brazil_2024"``.
    """
    out: dict[str, Sourced] = {}
    for name, value in initial_stocks().assumptions.items():
        out[f"stocks.{name}"] = value
    for cur, value in exchange_rate_assumptions().items():
        out[f"exchange_rate.{cur}"] = value
    for cur, by_year in exchange_rates_by_year().items():
        for year, value in by_year.items():
            if value.flag == "assumption" and value is not exchange_rate_assumptions()[cur]:
                out[f"exchange_rate.{cur}.{year}"] = value
    out["origin.fee_wage_elasticity"] = fee_wage_elasticity()
    for code, profile in origin_profiles().items():
        for attr in ("home_wage_jpy", "unemployment_rate", "fee_jpy", "borrowed_share", "pool_size",
                     "recruitment_weight"):
            value = getattr(profile, attr)
            if value.flag == "assumption":
                out[f"origin.{code}.{attr}"] = value
    for status, value in host_wages().items():
        if value.flag == "assumption":
            out[f"host_wage.{status}"] = value
    for sector, value in sector_wage_factors().items():
        if value.flag == "assumption":
            out[f"sector_wage_factor.{sector}"] = value
    return out
