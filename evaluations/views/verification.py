"""The public page a document's QR code opens: no login, the register's few facts."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from evaluations.selectors.official import verifiable_document


@require_GET
def document_verify(request, number: str):
    document = verifiable_document(number)
    if document is None:
        raise Http404
    return render(request, "reports/verify.html", {"document": document})
