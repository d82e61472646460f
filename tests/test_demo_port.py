"""`make demo PORT=…` serves on that port and points e-mail links at it (issue 17)."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def demo_commands(*args: str, **env: str) -> list[str]:
    environ = {k: v for k, v in os.environ.items() if k != "PORTAL_BASE_URL"} | env
    # -n: print the commands without running them; the stamp keeps install from being listed in full.
    done = subprocess.run(
        ["make", "-n", "demo", *args], cwd=ROOT, env=environ, capture_output=True, text=True, check=True
    )
    return done.stdout.splitlines()


def test_the_port_sets_the_server_and_the_base_url_of_e_mail_links():
    lines = demo_commands("PORT=5001")
    (seed,) = [line for line in lines if "seed-demo" in line]
    (serve,) = [line for line in lines if " run " in line]
    assert seed.startswith("PORTAL_BASE_URL=http://127.0.0.1:5001 ")
    assert serve.startswith("PORTAL_BASE_URL=http://127.0.0.1:5001 ") and serve.endswith("--port 5001")


def test_the_default_port_is_5000_and_a_base_url_given_is_kept():
    (serve,) = [line for line in demo_commands() if " run " in line]
    assert serve.startswith("PORTAL_BASE_URL=http://127.0.0.1:5000 ") and serve.endswith("--port 5000")
    lines = demo_commands("PORT=5002", PORTAL_BASE_URL="https://demo.example.com")
    (serve,) = [line for line in lines if " run " in line]
    assert serve.startswith("PORTAL_BASE_URL=https://demo.example.com ") and serve.endswith("--port 5002")
