"""The container and deployment files: the compose file passes the Compose specification's schema,
the Kubernetes manifests pass the API schemas (strict), and both say what the operations kit
promises (non-root image from the lock file, probes, resources, a disruption budget, migrations
run once, a grace period longer than the drain). No container engine runs here: building the
image and starting the stack are not tested (see the README's Operations section)."""

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.settings import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
BIN = Path(sys.executable).parent


def run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / tool), *args], capture_output=True, text=True, timeout=120, check=False
    )


def manifests() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            found[document["kind"]] = document
    return found


def test_the_compose_file_passes_the_compose_schema(tmp_path: Path) -> None:
    result = run(
        "check-jsonschema", "--builtin-schema", "vendor.compose-spec", str(DEPLOY / "compose.yaml")
    )
    assert result.returncode == 0, result.stdout + result.stderr
    broken = tmp_path / "compose.yaml"
    broken.write_text("services:\n  gateway:\n    image: x\n    depends_on: 3\n")
    result = run("check-jsonschema", "--builtin-schema", "vendor.compose-spec", str(broken))
    assert result.returncode != 0  # the check would catch a mistake


def test_the_compose_stack_migrates_once_then_serves_two_workers() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "simulators", "migrate", "gateway"} <= set(services)
    assert services["migrate"]["command"] == ["python", "-m", "app", "migrate"]
    gateway = services["gateway"]
    assert gateway["environment"]["WORKERS"] == "2"
    assert gateway["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "serve" in gateway["command"]
    assert services["simulators"]["command"] == ["python", "-m", "app", "simulators"]
    assert "redis://" in gateway["environment"]["REDIS_URL"]


def test_the_manifests_pass_the_kubernetes_schemas(tmp_path: Path) -> None:
    files = sorted(str(p) for p in (DEPLOY / "k8s").glob("*.yaml"))
    result = run("kubernetes-validate", "--strict", "--quiet", *files)
    assert result.returncode == 0, result.stdout + result.stderr
    broken = tmp_path / "pdb.yaml"
    broken.write_text(
        (DEPLOY / "k8s" / "pdb.yaml").read_text().replace("minAvailable", "minimumAvailable")
    )
    assert run("kubernetes-validate", "--strict", "--quiet", str(broken)).returncode != 0


def test_the_manifests_probe_limit_and_drain() -> None:
    found = manifests()
    assert {"Deployment", "Service", "PodDisruptionBudget", "Job", "ConfigMap", "Secret"} <= set(
        found
    )
    pod = found["Deployment"]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["resources"]["requests"]
    assert container["resources"]["limits"]["memory"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    settings = found["ConfigMap"]["data"]
    drain = float(settings["DRAIN_DELAY_SECONDS"]) + float(settings["DRAIN_TIMEOUT_SECONDS"])
    assert pod["terminationGracePeriodSeconds"] > drain
    assert "JWT_SECRET" in found["Secret"]["stringData"]
    assert "JWT_SECRET" not in settings
    job = found["Job"]["spec"]["template"]["spec"]
    assert job["containers"][0]["command"] == ["python", "-m", "app", "migrate"]
    assert "migrate" not in container["command"]
    pdb = found["PodDisruptionBudget"]["spec"]
    assert pdb["selector"]["matchLabels"] == found["Deployment"]["spec"]["selector"]["matchLabels"]


@pytest.mark.parametrize(
    "expected",
    [
        "FROM ${PYTHON_IMAGE} AS build",
        "FROM ${PYTHON_IMAGE} AS runtime",
        "ARG PYTHON_IMAGE=python:3.11-slim",
        "uv sync --frozen --no-dev",
        "USER 10001:10001",
        'CMD ["python", "-m", "app", "serve"]',
    ],
)
def test_the_image_is_slim_locked_multi_stage_and_non_root(expected: str) -> None:
    assert expected in (PROJECT_ROOT / "Dockerfile").read_text()


def test_the_build_context_leaves_out_local_state() -> None:
    ignored = (PROJECT_ROOT / ".dockerignore").read_text().split()
    assert {".venv", ".git", "var", ".env", "tests"} <= set(ignored)
