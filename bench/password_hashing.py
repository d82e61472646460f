"""Sign-in cost: the portal's password check against bare hashlib.scrypt with the same parameters.

Prints sign-ins per second through ``verify_password`` and through the bare library call, and their
ratio; the portal adds nothing measurable on top of the KDF it relies on for brute-force resistance.
"""

from __future__ import annotations

import hashlib
import time

from portal.accounts.passwords import hash_password, verify_password

ROUNDS = 20


def per_second(function: object, rounds: int = ROUNDS) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        function()  # type: ignore[operator]
    return rounds / (time.perf_counter() - start)


def main() -> None:
    password = "benchmark password 1"
    stored = hash_password(password)
    salt = stored.split("$")[1].encode()
    portal_rate = per_second(lambda: verify_password(stored, password))
    bare_rate = per_second(
        lambda: hashlib.scrypt(password.encode(), salt=salt, n=32768, r=8, p=1, maxmem=132 * 1024 * 1024)
    )
    print(f"portal verify_password : {portal_rate:8.1f} checks/s")
    print(f"bare hashlib.scrypt    : {bare_rate:8.1f} checks/s")
    print(f"ratio portal/bare      : {portal_rate / bare_rate:8.2f}")


if __name__ == "__main__":
    main()
