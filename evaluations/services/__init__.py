"""Every write of the evaluation workflow that spans rows or has side effects.

The package is split by area (a single module had passed 600 lines):
`selfeval` (answers, evidence, submission), `reopening` (the return to the
institution), `assessment` (assignment, scoring, review, release), `assessment_texts`
(the assessors' texts), `reports` (documents), `monitoring` (reminders, extensions,
exports). Shared helpers live in `core`.
"""
