"""Every parameter of the synthetic traders, their fraud and the old rules' controls, in one place.

Rates are per item unless said otherwise. An importer's fraud is persistent (its roles and their
intensity are drawn once per run) but not constant: roles switch on and off during the year
(drift), complicit brokers raise the rates of the declarations they lodge, high duty raises the
incentive, and new entrants arrive through the year, some of them to defraud and vanish. The
oracle file (``oracle.py``) records, for every item, the probability these mechanisms used.
"""

from __future__ import annotations

# --- Traders (entities.py) -----------------------------------------------------------------
AEO_SHARE_TOP = 0.5  # share of AEO among the top 2 % importers
AEO_SHARE_REST = 0.06
FRONT_SHARE = 0.05  # importers used as fronts on concealment routes
# Fraud roles, as shares of eligible importers (non-AEO, outside the top 1 % by activity).
UNDERVALUER_SHARE = 0.08
MISCLASSIFIER_SHARE = 0.06
FALSE_ORIGIN_SHARE = 0.05
QUANTITY_SHARE = 0.05  # short-declare quantity and value together
ROLE_INTENSITY_SIGMA = 0.8  # log-normal spread of how often a role holder cheats
ROLE_RATE_MAX = 0.95
# Honest carelessness: every importer's background-mistake rate × log-normal(σ), persistent.
CARELESS_SIGMA = 0.9
# Drift: some role holders start cheating during the year, some stop (caught, or moved on).
LATE_START_SHARE = 0.3  # of role holders: start on a uniform day in [0, LATE_START_LAST)
LATE_START_LAST = 300
STOP_SHARE = 0.25  # of role holders: stop on a uniform day after they start (>= 45 days later)
STOP_MIN_DAYS = 45
# New entrants: importers registered during the year (absent before their entry day).
ENTRANT_SHARE = 0.12  # of importers outside the top 2 %
ENTRANT_FIRST_DAY = 20
ENTRANT_ACTIVITY = 3.0  # activity weight × this (new firms trade actively)
ENTRANT_ROLE_FACTOR = 2.5  # role shares × this among entrants
FLY_BY_NIGHT_DAYS = (40, 120)  # an entrant with a role stops trading this long after entry

# --- Brokers (declarants) --------------------------------------------------------------------
COMPLICIT_BROKER_SHARE = 0.06  # of declarants (outside the 3 largest)
BROKER_FACTOR = 1.8  # role rates × this on declarations a complicit broker lodges
BROKER_LURE = 0.5  # share of role holders whose usual broker is a complicit one
USUAL_BROKER = 0.9  # declarations lodged by the importer's usual broker

# --- Duty incentive ----------------------------------------------------------------------------
REFERENCE_RATE = 0.08  # duty rate at which the incentive factor is 1
DUTY_ELASTICITY = 0.8  # rate factor = (rate / REFERENCE_RATE) ** this, clipped below
DUTY_FACTOR_RANGE = (0.3, 2.5)
REFERENCE_SAVING = 0.05  # misclassification: MFN saving at which the factor is 1

# --- Mechanisms (fraud.py) ---------------------------------------------------------------------
UNDERVALUE_RATE = 0.45  # role rate before intensity, broker and duty factors
UNDERVALUE_FACTOR = (0.45, 0.85)  # declared / true value when undervaluing
MISCLASSIFY_RATE = 0.35
MISCLASSIFY_OWN_TEXT = 0.3  # misclassified items that keep the true goods description
FALSE_ORIGIN_DECLARATIONS = 0.5  # share of a false-origin importer's declarations routed via CN
FALSE_ORIGIN_ITEM = 0.8  # eligible items of such a shipment declared under a partner origin
FALSE_ORIGIN_CLAIMED = ("VN", "TH", "MY", "ID")  # declared origins (FTA partners)
QUANTITY_RATE = 0.4
QUANTITY_FACTOR = (0.6, 0.85)  # declared / true quantity and value when short-declaring
PREFERENCE_DIRECT = 0.75  # legitimate claim rate of qualifying goods shipped from their origin
PREFERENCE_INDIRECT = 0.2  # ... and shipped via a third country
# Risky goods × origin pairs: undervaluation by anyone (non-AEO) on these, drawn per seed;
# half of the pairs are active in the first half of the year, the other half in the second.
RISKY_PAIRS = 12
RISKY_PAIR_RATE = 0.07
RISKY_SWITCH_DAY = 182
# Honest mistakes and petty fraud of any importer (per item, × carelessness; × AEO_FACTOR).
BACKGROUND = {
    "undervaluation": 0.005,
    "misclassification": 0.003,
    "quantity_weight": 0.01,
    "other": 0.005,
}
BACKGROUND_UNDERVALUE_FACTOR = (0.6, 0.85)
BACKGROUND_QUANTITY_FACTOR = (0.7, 0.9)  # declared / true quantity (mass and value unchanged)
AEO_FACTOR = 0.3
MIN_EXTRA_USD = 0.02  # smaller evasions are not recorded (they would round to 0)

# --- The old rules' controls (controls.py) --------------------------------------------------
RANDOM_SHARE = 0.03
TARGET_BASE = 0.01  # targeting probability of a declaration without any indicator
# Added targeting probability per indicator present on any item of the declaration.
TARGET_WEIGHTS = {"low_value": 0.25, "high_value": 0.15, "preference": 0.18, "route": 0.35}
TARGET_AEO_FACTOR = 0.3
TARGET_MAX = 0.7
LOW_VALUE, HIGH_VALUE = 0.5, 2.5  # declared unit value / HS6 x origin norm
