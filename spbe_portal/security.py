"""Response headers that hold on every page: CSP, Permissions-Policy, no caching of
authenticated pages.

The portal serves no inline script or style (every behaviour lives in static/js, every
rule in static/css), so the policy allows only the portal's own origin. Pages refuse to
be framed at all (X_FRAME_OPTIONS = "DENY"), except the views decorated with Django's
`xframe_options_sameorigin` (the evidence viewer, which the scoring page shows in a frame
next to the form): the CSP's frame-ancestors follows the X-Frame-Options header.
"""

from __future__ import annotations

from django.conf import settings

# Bootstrap's stylesheet draws some icons (select arrow, navbar toggler) as data: SVGs;
# pdf.js renders pages on canvases and may hand images to the page as blob: URLs.
_BASE_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: blob:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "worker-src": "'self'",
    "frame-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
}


def content_security_policy(*, frame_ancestors: str) -> str:
    policy = {**_BASE_POLICY, "frame-ancestors": frame_ancestors}
    return "; ".join(f"{name} {value}" for name, value in policy.items())


class SecurityHeadersMiddleware:
    """Adds the CSP, Permissions-Policy and, for a signed-in user, Cache-Control: no-store.

    Placed before XFrameOptionsMiddleware in MIDDLEWARE so that it sees the final
    X-Frame-Options header.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        same_origin = response.get("X-Frame-Options", "").upper() == "SAMEORIGIN"
        response.setdefault(
            "Content-Security-Policy",
            content_security_policy(frame_ancestors="'self'" if same_origin else "'none'"),
        )
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # Evaluation data must not stay in a shared computer's cache or its back button.
            response["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        return response
