"""The evidence viewer: a PDF shown by the vendored pdf.js with scripting off.

Browsers' own PDF viewers run a document's JavaScript and actions; this page instead
draws the pages on canvases from the bytes of the (attachment-only) download URL, so
nothing inside the PDF runs. It is the one page the portal lets itself frame, next to
the form on the scoring page.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_sameorigin

from evaluations.selectors.evidence import visible_evidence


@login_required
@xframe_options_sameorigin
def evidence_view(request, evidence_pk: int):
    evidence = visible_evidence(request.user, evidence_pk)
    if evidence is None:
        raise Http404
    return render(request, "evaluations/evidence/viewer.html", {"evidence": evidence})
