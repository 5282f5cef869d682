"""The audit trail: append-only, hash-chained, checkpointed with Ed25519, verifiable.

Re-exports only. ``append`` (in :mod:`joinedup.audit.log`) writes in the caller's transaction;
``verify`` (in :mod:`joinedup.audit.verify`) names the first bad event; ``queries`` searches the
trail and builds a resident's access log. See ``docs/audit.md``.
"""

from joinedup.audit.log import AuditError, NewEvent, append, audited_engine, checkpoint_now
from joinedup.audit.signing import SigningKeyError, load_signing_key
from joinedup.audit.verify import Problem, VerifyResult, verify

__all__ = [
    "AuditError",
    "NewEvent",
    "Problem",
    "SigningKeyError",
    "VerifyResult",
    "append",
    "audited_engine",
    "checkpoint_now",
    "load_signing_key",
    "verify",
]
