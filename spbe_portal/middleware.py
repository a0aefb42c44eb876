"""Indonesian first: the portal's language is Indonesian unless the user chose English.

Django's LocaleMiddleware follows the browser's Accept-Language header, so a civil
servant whose operating system is in English would get the English interface without
asking for it. The portal speaks Indonesian first: only the language the user picked
with the ID/EN switch (the language cookie) or a language prefix counts.
"""

from django.http import HttpRequest


class IndonesianFirstMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        # Must run before django.middleware.locale.LocaleMiddleware.
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
