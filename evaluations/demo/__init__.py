"""Demo data for `make run`: a released campaign for the closed 2019 period
(`campaign_2019`) and an evaluation on PermenPANRB 59/2020 part-way through its stages
(`staged`), both deterministic and idempotent; `common` holds what they share.

The names below are what `manage.py seed_demo`, the benchmark set-up and the tests use.
"""

from evaluations.demo.campaign_2019 import seed_closed_campaign
from evaluations.demo.common import ensure_demo_assessors, tiny_pdf
from evaluations.demo.staged import STAGED_NAME, STAGED_PER_KIND, seed_staged_campaign

__all__ = [
    "STAGED_NAME",
    "STAGED_PER_KIND",
    "ensure_demo_assessors",
    "seed_closed_campaign",
    "seed_staged_campaign",
    "tiny_pdf",
]
