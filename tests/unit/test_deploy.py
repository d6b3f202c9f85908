"""The deployment files say what production runs: channel secrets from the environment, the
project's logging, a base image whose Python still gets security fixes, a lean build context,
and scale-out settings that move every store (the console's too) to PostgreSQL."""
from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def containers():
    for path in sorted((ROOT / "deploy" / "k8s").glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document and document.get("kind") == "Deployment":
                for container in document["spec"]["template"]["spec"]["containers"]:
                    yield container["name"], " ".join(container.get("command", []) + container.get("args", []))


def test_rasa_reads_channel_secrets_from_the_environment_and_logs_with_the_project_config():
    commands = dict(containers())
    rasa = commands["rasa"]
    assert "scripts/credentials.py /tmp/credentials.yml" in rasa
    assert "--credentials /tmp/credentials.yml" in rasa and "--credentials credentials.yml" not in rasa
    for name in ("rasa", "actions"):
        assert "--logging-config-file scripts/logging.yml" in commands[name], name
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "--credentials /tmp/credentials.yml" in dockerfile and "scripts/credentials.py" in dockerfile


def test_the_image_is_based_on_a_distribution_that_still_patches_python_3_10():
    base = [line for line in (ROOT / "deploy" / "Dockerfile").read_text().splitlines() if line.startswith("FROM ")]
    assert base == ["FROM ubuntu:22.04"]


def test_the_build_context_leaves_out_environments_builds_and_data():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".venv", "webchat/node_modules", "models", "var", "build", ".git", "*.db", ".env"} <= ignored


def env_after_sourcing(**variables):
    script = f"source {ROOT}/scripts/env.sh && env"
    clean = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", **variables}
    output = subprocess.run(["bash", "-c", script], env=clean, capture_output=True, text=True, check=True).stdout
    return dict(line.split("=", 1) for line in output.splitlines() if "=" in line)


def test_scale_out_moves_the_console_to_postgresql_too():
    scaled = env_after_sourcing(SCALE_OUT="1", POSTGRES_URL="postgresql://db/mmd")
    assert scaled["CONSOLE_DB_URL"] == scaled["TRACKER_DB_URL"] == scaled["BOOKINGS_DB_URL"] == "postgresql://db/mmd"
    embedded = env_after_sourcing()
    assert embedded["CONSOLE_DB_URL"].startswith("sqlite:///") and embedded["CONSOLE_DB_URL"].endswith("var/console.db")
    chosen = env_after_sourcing(SCALE_OUT="1", CONSOLE_DB_URL="postgresql://other/console")
    assert chosen["CONSOLE_DB_URL"] == "postgresql://other/console"
