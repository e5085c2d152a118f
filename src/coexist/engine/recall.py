"""Employer recall: an employer holds a returnee's job and names them for re-hire.

A status with ``recall_months > 0`` makes each employer hold the job of a worker who went
home regularly for that many months after the return (a season, a cooldown): the job counts
as filled, so new recruits do not take it. When the worker may come back (the status's
re-entry cooldown, at least a month), the employer names them; the worker answers once,
moved by the same home prospects as every re-migration decision (the pull of the host wage,
a job at home and its pay), and one who accepts is admitted at once and travels after the
re-entry lag to the same employer. One who declines, or whose time runs out, frees the job.

Everything here is over whole arrays of the returnees (no loop over people), and costs
nothing in a regime without recall.
"""

from __future__ import annotations

import numpy as np

from coexist.engine.rng import SLOT, uniforms
from coexist.engine.state import State
from coexist.policy.tables import RegimeTables

__all__ = ["held_jobs", "recall_answers", "home_premium"]


def _holding(S: State, n: int, T: RegimeTables, t: int) -> np.ndarray:
    """Rows of returnees whose job an employer still holds in month `t`."""
    status, prev = S.status[:n], S.prev_status[:n].astype(np.int64)
    recall = T.recall_months[t]
    months = recall[np.maximum(prev, 0)]
    return np.flatnonzero((status == T.returned) & (prev > 0) & (months > 0) & (S.months_home[:n] < months)
                          & (S.forfeited[:n] == 0) & (S.applying[:n] == 0) & (S.employer[:n] >= 0))


def held_jobs(S: State, n: int, T: RegimeTables, t: int, n_employers: int, n_sectors: int):
    """Jobs held for returnees this month: (by employer, by sector)."""
    rows = _holding(S, n, T, t)
    by_employer = np.bincount(S.employer[rows], minlength=n_employers).astype(np.float64)
    by_sector = np.bincount(S.sector[rows], minlength=n_sectors).astype(np.float64)
    return by_employer, by_sector


def home_premium(params: dict[str, float], months_abroad: np.ndarray, matched: np.ndarray) -> np.ndarray:
    """The wage factor of a job at home (as the home pass computes it, docs/model.md 3.4.6)."""
    months = months_abroad.astype(np.float64)
    years = np.minimum(months / 12.0, 5.0)
    premium = 1.0 + params["experience_premium_annual"] * years + params["match_premium_annual"] * years * matched
    return np.where(months >= params["min_stay_for_premium_months"], premium, 1.0)


def recall_answers(S: State, n: int, T: RegimeTables, t: int, month: int, seed: int, params: dict[str, float],
                   gain: np.ndarray) -> np.ndarray:
    """The returnees named for re-hire this month who accept (rows): those whose job is held
    and whose cooldown ends now, who can come back to the same status; each accepts with
    chance recall_acceptance x min(1, gain) x (for one employed at home) exp(-theta_employed)
    x premium^(-remigration_home), `gain` the host wage's pull by origin."""
    rows = _holding(S, n, T, t)
    if rows.size == 0:
        return rows
    prev = S.prev_status[rows].astype(np.int64)
    offer_month = np.maximum(T.reentry_cooldown[t][prev], 1)
    total = T.max_total[t][prev]
    may_return = ~T.leaving_ends_right[t][prev] & ((total == 0) | (S.status_total[rows] < total))
    rows = rows[(S.months_home[rows] == offer_month) & may_return]
    if rows.size == 0:
        return rows
    employed = S.employed_home[rows] > 0
    matched = ((S.employed_home[rows] == 2) | (S.recognised[rows] > 0)).astype(np.float64)
    held_back = np.where(employed, np.exp(-params["theta_employed"])
                         * home_premium(params, S.months_abroad[rows], matched) ** -params["remigration_home"], 1.0)
    chance = params["recall_acceptance"] * np.minimum(1.0, gain[S.origin[rows].astype(np.int64)]) * held_back
    u = uniforms(seed, S.pid[rows].astype(np.int64), month, SLOT["recall"])
    return rows[u < chance]
