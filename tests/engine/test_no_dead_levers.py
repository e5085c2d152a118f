"""Every lever of the scenario schema, and every behavioural parameter, changes some output.

Runs share a seed, so any difference comes from the lever. A lever that changes nothing
in a tiny world is either dead code or needs a world where it can act: the few that need
a companion setting say so in the table.
"""

import hashlib
import json

import pytest

from coexist.data import parameters
from coexist.engine import simulate
from coexist.testing import tiny_world

# the embedded behavioural defaults, so that a parameter's "other value" differs from the one in use
SHORT = ('horizon.end="2029-06"', 'behaviour_defaults="embedded"')

# (lever override, companion overrides applied to both runs)
LEVERS = [
    ("programme.detection_rate=0.2", ()),
    ("programme.removal_ban_months=1", ("programme.detection_rate=0.2",)),
    ("programme.matching_capacity={construction=20.0}", ()),
    ("programme.recognition_coverage=0.7", ()),
    ("programme.reintegration_support_months=6", ()),
    ("programme.former_employer_rehire=true", ()),
    ("programme.reentry_priority=false", ()),
    ("programme.cumulative_abroad_counts=true", ()),
    ("programme.reentry_fee_cap_months=0.2", ()),
    ("programme.entry_openness=0.3", ()),
    ("statuses.ssw1.admits_from_abroad=false", ()),
    ("statuses.ssw1.recruitment_weight=6.0", ()),
    ("statuses.ssw1.max_stay_months=18", ()),
    ("statuses.ssw1.max_total_months=30", ()),
    ("statuses.ssw1.permit_months=5", ()),
    ("statuses.ssw1.renewable=false", ()),
    ('statuses.ssw1.job_change="never"', ()),
    ("statuses.esd.job_change_after_months=2", ()),
    ('statuses.ssw1.job_change="for_cause"', ()),
    ("statuses.ssw1.job_change_limit=1", ('statuses.ssw1.job_change="free"',)),
    ("statuses.ssw1.family_allowed=true", ()),
    ("statuses.professional.family_after_months=24", ()),
    ('statuses.ssw1.entry_skill_test="none"', ()),
    ("statuses.esd.entry_language_level=3", ('horizon.end="2031-12"',)),
    ("statuses.ssw1.leaving_ends_right=true", ()),
    ("statuses.ssw1.reentry_cooldown_months=12", ()),
    ("statuses.titp.fee_cap_months=0.5", ()),
    ("statuses.ssw1.caps={construction=500, manufacturing=500}", ()),
    ("statuses.titp.employer_intake_share=0.01", ()),
    ("statuses.titp.transitions=[]", ()),
    ("statuses.titp.return_paths=[]", ()),
    ('statuses.titp.transitions=[{to="ssw1", min_months_in_status=34, requires_test="ssw1"}]', ()),
    ('statuses.titp.return_paths=[{to="ssw1", cooldown_months=12, min_months_completed=34}]', ()),
    ('statuses.titp.transitions=[{to="ssw1", min_months_in_status=34, capacity=3.0}]', ()),
    ("statuses.ssw1.entry_capacity=2.0", ()),
    ("statuses.titp.entry_quota={VNM=300.0}", ()),
    ("statuses.titp.quota_year_start_month=4", ("statuses.titp.entry_quota={VNM=300.0}",)),
    ("statuses.ssw1.recall_months=12", ("statuses.ssw1.leaving_ends_right=false",)),
    ("demand.season={construction=[0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0]}", ()),
    ("statuses.professional.fills_vacancies=true", ()),
    ("statuses.professional.inflow_per_month=40.0", ()),
    ("statuses.professional.exit_rate=0.2", ("statuses.professional.inflow_per_month=40.0",)),
    ("statuses.ssw1.wage=300000.0", ()),
    ('statuses.ssw2.kind="settled"', ()),
    ("economy.host_wage_growth=0.08", ()),
    ("economy.home_wage_growth=0.15", ()),
    ("economy.exchange_rate_index=2.0", ()),
    ("demand.initial_vacancy_rate=0.5", ("demand.initial={}",)),
    ("demand.added_per_year={construction=600.0}", ()),
    ("demand.growth.construction=0.3", ()),
    ("demand.initial={construction=4000, manufacturing=2000}", ()),
    ("origins.VNM.home_wage=150000.0", ()),
    ("origins.VNM.unemployment_rate=0.3", ()),
    ("origins.VNM.fee=10.0", ()),
    ("origins.VNM.pool_size=500.0", ()),
    ("origins.VNM.recruitment_weight=0.01", ()),
    ("origins.PHL.active=true", ()),
    ("population.employers_per_sector=3", ()),
]


def _digest(result) -> str:
    h = hashlib.sha256()
    for table in (result.stocks, result.flows, result.measures, result.demand):
        h.update(json.dumps(table.to_pydict(), sort_keys=True, default=str).encode())
    return h.hexdigest()


def _run(base, overrides):
    return _digest(simulate(tiny_world(base, (*SHORT, *overrides)), seed=3))


@pytest.mark.parametrize("lever,companions", LEVERS, ids=[lever for lever, _ in LEVERS])
def test_lever_changes_some_output(lever, companions):
    baseline = _run("japan-temporary", companions)
    assert _run("japan-temporary", (*companions, lever)) != baseline


# Parameters that act only in some worlds: applications matter when they are scarce, debt at
# expiry when fees are high, language when a transition asks for it.
PARAMETER_WORLDS = {
    "application_rate": ("origins.VNM.pool_size=1500.0",),
    "beta_network": ("origins.VNM.pool_size=1500.0",),
    "beta_gain": ("origins.VNM.pool_size=1500.0",),
    "beta_fee": ("origins.VNM.pool_size=1500.0",),
    "gamma_debt": ("origins.VNM.fee=6000000.0",),
    # the expiry choice's terms act where some choose to overstay (high debt) or have family
    "gamma_detect": ("origins.VNM.fee=6000000.0",),
    "nu_option": ("origins.VNM.fee=6000000.0",),
    "theta_family": ("statuses.ssw1.family_allowed=true",),
    "recall_acceptance": ("statuses.ssw1.recall_months=12",),
    "language_rate": ('horizon.end="2032-12"',),
}


def test_every_behavioural_parameter_changes_some_output():
    dead = []
    for name, spec in parameters().items():
        world = PARAMETER_WORLDS.get(name, ())
        value = spec.high if spec.default != spec.high else spec.low
        if _run("japan-circular", (*world, f"behaviour.{name}={float(value)}")) == _run("japan-circular", world):
            dead.append(name)
    assert dead == []
