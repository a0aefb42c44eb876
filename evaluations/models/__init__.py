"""The SPBE evaluation's data, one module per aggregate.

- `framework`: Framework, PredicateBand, Domain, Aspect, Indicator
- `period`: EvaluationPeriod, Extension
- `evaluation`: Evaluation, Answer (+ Phase), AspectNote, GeneralRecommendation, Reopening
- `assignment`: AssessorAssignment, ConflictOfInterest
- `evidence`: EvidenceFile, EvidenceLink
- `report`: Report, Reminder
- `official`: IssuedDocument, DocumentCounter (numbered official documents)
- `audit`: AuditEvent
- `calibration`: CalibrationSample, CalibrationItem, CalibrationAnswer (second, blind
  scoring of a sample)
- `followup`: FollowUp, FollowUpNote, FollowUpEvidence (recommendation follow-up)
- `ops`: WorkerHeartbeat, TaskOutbox
- `interview`: AgendaItem (the interview's agenda), ClarificationResponse,
  Meeting and MeetingSlot (interview or site visit)

Everything is re-exported here, so `from evaluations.models import Evaluation` works
and the migrations keep their import paths. Status changes and every multi-row write go
only through `evaluations/services/`; a model method changes only its own row.
"""

from evaluations.models.assignment import AssessorAssignment, ConflictOfInterest
from evaluations.models.audit import AuditEvent
from evaluations.models.calibration import CalibrationAnswer, CalibrationItem, CalibrationSample
from evaluations.models.evaluation import (
    PHASE_ORDER,
    Answer,
    AspectNote,
    Evaluation,
    GeneralRecommendation,
    Phase,
    Reopening,
)
from evaluations.models.evidence import EvidenceFile, EvidenceLink, evidence_upload_to
from evaluations.models.followup import FollowUp, FollowUpEvidence, FollowUpNote
from evaluations.models.framework import (
    LEVEL_VALIDATORS,
    Aspect,
    Domain,
    Framework,
    Indicator,
    PredicateBand,
)
from evaluations.models.interview import (
    AgendaItem,
    ClarificationResponse,
    Meeting,
    MeetingSlot,
)
from evaluations.models.official import DocumentCounter, IssuedDocument
from evaluations.models.ops import TaskOutbox, WorkerHeartbeat
from evaluations.models.period import EvaluationPeriod, Extension, PeriodMode, ReviewScope
from evaluations.models.report import Reminder, Report, report_upload_to
from evaluations.models.review import EvaluationReview, TextReview

__all__ = [
    "LEVEL_VALIDATORS",
    "PHASE_ORDER",
    "AgendaItem",
    "Answer",
    "Aspect",
    "AspectNote",
    "AssessorAssignment",
    "AuditEvent",
    "CalibrationAnswer",
    "CalibrationItem",
    "CalibrationSample",
    "ClarificationResponse",
    "ConflictOfInterest",
    "DocumentCounter",
    "Domain",
    "Evaluation",
    "EvaluationPeriod",
    "EvaluationReview",
    "EvidenceFile",
    "EvidenceLink",
    "Extension",
    "FollowUp",
    "FollowUpEvidence",
    "FollowUpNote",
    "Framework",
    "GeneralRecommendation",
    "Indicator",
    "IssuedDocument",
    "Meeting",
    "MeetingSlot",
    "PeriodMode",
    "Phase",
    "PredicateBand",
    "Reminder",
    "Reopening",
    "Report",
    "ReviewScope",
    "TaskOutbox",
    "TextReview",
    "WorkerHeartbeat",
    "evidence_upload_to",
    "report_upload_to",
]
