"""The RCF deploy script cannot run here (it needs an AWS account); its dry run can."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_dry_run_prints_the_plan_and_calls_nothing(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "scripts/deploy_rcf.py",
            "--dry-run",
            "--days",
            "1",
            "--region",
            "eu-west-1",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},  # no AWS credentials at all
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    plan = json.loads(out[out.index("{") : out.rindex("}") + 1])
    job = plan["training_job"]
    assert job["HyperParameters"]["feature_dim"] == "16"
    assert job["AlgorithmSpecification"]["TrainingImage"] == (
        "438346466558.dkr.ecr.eu-west-1.amazonaws.com/randomcutforest:1"
    )
    assert job["InputDataConfig"][0]["ContentType"] == "text/csv;label_size=0"
    assert plan["endpoint"]["EndpointName"] == "stadiumflow-rcf"
    assert "nothing sent to AWS" in out
    assert "SAGEMAKER_ENDPOINT_NAME=stadiumflow-rcf" in out
