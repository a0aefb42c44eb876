"""Argon2id with parameters measured on the portal's own hardware (bench/bench_signin.py).

Django's default Argon2 parameters (100 MiB, 8 lanes) cost about as much CPU as PBKDF2
with a million iterations and would hold 100 MiB per concurrent sign-in. These cost a
fifth of PBKDF2's CPU time and 32 MiB per sign-in, still memory-hard against GPUs
(OWASP's minimum is 19 MiB with two passes).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class PortalArgon2PasswordHasher(Argon2PasswordHasher):
    # Same algorithm name as Django's: hashes stay readable by either class, and a change
    # of these numbers re-hashes at the next sign-in (must_update compares parameters).
    time_cost = 2
    memory_cost = 32 * 1024  # KiB
    parallelism = 1
