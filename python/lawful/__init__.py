"""lawful: a policy engine for personal information, in-process.

Before a service collects, uses, stores, shares, entrusts, transfers,
discloses, exports or deletes personal information, it asks the engine; the
answer is permit or deny, the lawful basis, the obligations (with their
dates) and the policy clause behind each reason, under China's PIPL and the
EU GDPR.

>>> import lawful
>>> engine = lawful.Engine.builtin()
>>> decision = engine.decide({
...     "id": "r1", "at": "2026-11-28T10:00:00+08:00", "action": "collect",
...     "purpose": "account.registration", "categories": ["account.phone"],
...     "subject": {"birth_date": "1990-01-01"}, "evidence": {"contract": True},
... })
>>> decision.effect, decision.basis
('permit', 'contract')
>>> [o.code for o in decision.obligations]
['retain_until']

A request is the wire format's document (docs/wire-format.md), as a dict or
a JSON string; ``decision.to_json()`` is the line ``lawful decide`` writes for
it. Tables of requests and records go through :mod:`lawful.arrow`.
"""

from ._lawful import (
    AgeFinding,
    AnswerError,
    Decision,
    Diagnostic,
    Engine,
    Obligation,
    PolicyError,
    Reason,
    RetentionAnswer,
    RightsAnswer,
    __version__,
)

__all__ = [
    "AgeFinding",
    "AnswerError",
    "Decision",
    "Diagnostic",
    "Engine",
    "Obligation",
    "PolicyError",
    "Reason",
    "RetentionAnswer",
    "RightsAnswer",
    "__version__",
]
