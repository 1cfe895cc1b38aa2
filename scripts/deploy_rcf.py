"""Train SageMaker's built-in Random Cut Forest on simulated match days and deploy it.

    python scripts/deploy_rcf.py --bucket my-bucket --role-arn arn:aws:iam::123:role/sm \\
        --region eu-west-1
    python scripts/deploy_rcf.py --dry-run          # print the plan, call nothing

Steps: simulate ``--days`` randomised match days; replay every gate's readings through
the worker's code (``GateWindow.add`` then ``shingle``) so the forest learns exactly the
16 features the service will send; keep shingles with no incident under way (the forest
should learn what normal looks like); upload them as headerless CSV; run a training job
(CreateTrainingJob, RCF image, feature_dim=16); create the model, endpoint config and
endpoint (or update an existing endpoint to the new config); wait; print the settings.

Uses boto3 only (the SageMaker Python SDK is not needed). Costs money: a training job
of a few minutes and an endpoint that bills by the hour until deleted.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from typing import Any

import numpy as np

from stadiumflow.domain.multivariate import shingle
from stadiumflow.domain.window import GateWindow, Placement, WindowPoint
from stadiumflow.simulation.matchday import run_match_day
from stadiumflow.simulation.randomise import random_match_day

FEATURE_DIM = 16
# Registry accounts of the built-in RCF image (SageMaker's "Docker Registry Paths" pages).
RCF_ACCOUNTS = {
    "us-east-1": "382416733822",
    "us-east-2": "404615174143",
    "us-west-1": "632365934929",
    "us-west-2": "174872318107",
    "ca-central-1": "469771592824",
    "eu-west-1": "438346466558",
    "eu-west-2": "644912444149",
    "eu-west-3": "749696950732",
    "eu-central-1": "664544806723",
    "eu-north-1": "669576153137",
    "ap-northeast-1": "351501993468",
    "ap-northeast-2": "835164637446",
    "ap-south-1": "991648021394",
    "ap-southeast-1": "475088953585",
    "ap-southeast-2": "712309505854",
    "sa-east-1": "855470959533",
}


def rcf_image_uri(region: str) -> str:
    if region not in RCF_ACCOUNTS:
        raise SystemExit(f"no RCF image known for {region}: pass --image-uri")
    return f"{RCF_ACCOUNTS[region]}.dkr.ecr.{region}.amazonaws.com/randomcutforest:1"


def training_shingles(days: int, seed: int) -> list[list[float]]:
    """Shingles of every gate's reported readings, as the worker computes them."""
    rows: list[list[float]] = []
    for day in range(days):
        layout, params, sim_seed = random_match_day(np.random.SeedSequence([seed, day]))
        windows: dict[str, GateWindow] = {}
        for minute in run_match_day(layout, params, sim_seed).minutes:
            if not minute.reported:
                continue
            window = windows.setdefault(minute.reading.gate_id, GateWindow())
            placed = window.add(WindowPoint.of(minute.reading))
            if placed is Placement.NEWEST and len(window.points) > 1 and not minute.incident:
                rows.append(shingle(window.points))
    return rows


def to_csv(rows: list[list[float]]) -> bytes:
    """Headerless CSV, one shingle a line: RCF's ``text/csv;label_size=0`` input."""
    out = io.StringIO()
    for row in rows:
        out.write(",".join(f"{v:.6g}" for v in row) + "\n")
    return out.getvalue().encode()


def plan(args: argparse.Namespace, stamp: str) -> dict[str, dict[str, Any]]:
    """The four SageMaker requests, exactly as they will be sent."""
    image = args.image_uri or rcf_image_uri(args.region)
    base = f"s3://{args.bucket}/{args.prefix}"
    job = f"{args.endpoint_name}-{stamp}"
    return {
        "training_job": {
            "TrainingJobName": job,
            "AlgorithmSpecification": {"TrainingImage": image, "TrainingInputMode": "File"},
            "RoleArn": args.role_arn,
            "HyperParameters": {
                "feature_dim": str(FEATURE_DIM),
                "num_trees": str(args.num_trees),
                "num_samples_per_tree": str(args.num_samples_per_tree),
            },
            "InputDataConfig": [
                {
                    "ChannelName": "train",
                    "DataSource": {
                        "S3DataSource": {
                            "S3DataType": "S3Prefix",
                            "S3Uri": f"{base}/train/{stamp}/",
                            "S3DataDistributionType": "ShardedByS3Key",  # RCF requires it
                        }
                    },
                    "ContentType": "text/csv;label_size=0",
                }
            ],
            "OutputDataConfig": {"S3OutputPath": f"{base}/output/"},
            "ResourceConfig": {
                "InstanceType": args.train_instance_type,
                "InstanceCount": 1,
                "VolumeSizeInGB": 10,
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
            "Tags": [{"Key": "project", "Value": "stadiumflow"}],
        },
        "model": {
            "ModelName": job,
            "PrimaryContainer": {"Image": image, "ModelDataUrl": "<from the training job>"},
            "ExecutionRoleArn": args.role_arn,
        },
        "endpoint_config": {
            "EndpointConfigName": job,
            "ProductionVariants": [
                {
                    "VariantName": "AllTraffic",
                    "ModelName": job,
                    "InitialInstanceCount": 1,
                    "InstanceType": args.endpoint_instance_type,
                    "InitialVariantWeight": 1.0,
                }
            ],
        },
        "endpoint": {"EndpointName": args.endpoint_name, "EndpointConfigName": job},
    }


def deploy(args: argparse.Namespace, steps: dict[str, dict[str, Any]], data: bytes) -> None:
    import boto3  # only when really deploying: a dry run needs no AWS libraries
    from botocore.exceptions import ClientError

    s3 = boto3.client("s3", region_name=args.region)
    sm = boto3.client("sagemaker", region_name=args.region)
    channel = steps["training_job"]["InputDataConfig"][0]["DataSource"]["S3DataSource"]
    key = channel["S3Uri"].removeprefix(f"s3://{args.bucket}/") + "shingles.csv"
    s3.put_object(Bucket=args.bucket, Key=key, Body=data)
    print(f"uploaded {len(data)} bytes to s3://{args.bucket}/{key}")

    job = steps["training_job"]["TrainingJobName"]
    sm.create_training_job(**steps["training_job"])
    print(f"training job {job} started; waiting (usually 5-10 minutes)")
    sm.get_waiter("training_job_completed_or_stopped").wait(TrainingJobName=job)
    described = sm.describe_training_job(TrainingJobName=job)
    if described["TrainingJobStatus"] != "Completed":
        reason = described.get("FailureReason", "no reason given")
        raise SystemExit(f"training {described['TrainingJobStatus']}: {reason}")
    steps["model"]["PrimaryContainer"]["ModelDataUrl"] = described["ModelArtifacts"][
        "S3ModelArtifacts"
    ]
    sm.create_model(**steps["model"])
    sm.create_endpoint_config(**steps["endpoint_config"])
    try:
        sm.describe_endpoint(EndpointName=args.endpoint_name)
        sm.update_endpoint(**steps["endpoint"])
        print(f"updating endpoint {args.endpoint_name}; waiting (usually 5-10 minutes)")
    except ClientError as exc:  # no such endpoint yet
        if exc.response.get("Error", {}).get("Code") != "ValidationException":
            raise
        sm.create_endpoint(**steps["endpoint"])
        print(f"creating endpoint {args.endpoint_name}; waiting (usually 5-10 minutes)")
    sm.get_waiter("endpoint_in_service").wait(EndpointName=args.endpoint_name)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    p.add_argument("--region", default=region, help="default: AWS_REGION, AWS_DEFAULT_REGION")
    p.add_argument("--bucket", help="S3 bucket for training data and model artifacts")
    p.add_argument("--prefix", default="stadiumflow/rcf")
    p.add_argument("--role-arn", help="IAM role SageMaker assumes (S3 read/write access)")
    p.add_argument("--endpoint-name", default="stadiumflow-rcf")
    p.add_argument("--image-uri", help="the RCF image, for a region not in the table")
    p.add_argument("--days", type=int, default=20, help="simulated match days to train on")
    p.add_argument("--seed", type=int, default=20250714)
    p.add_argument("--num-trees", type=int, default=100)
    p.add_argument("--num-samples-per-tree", type=int, default=256)
    p.add_argument("--train-instance-type", default="ml.c5.xlarge")
    p.add_argument("--endpoint-instance-type", default="ml.c5.xlarge")
    p.add_argument("--dry-run", action="store_true", help="print the plan; call no AWS API")
    args = p.parse_args(argv)
    if not args.dry_run and not (args.bucket and args.role_arn and args.region):
        p.error("--bucket, --role-arn and a region are required (or use --dry-run)")
    args.region = args.region or "eu-west-1"
    args.bucket = args.bucket or "<bucket>"
    args.role_arn = args.role_arn or "<role-arn>"
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    rows = training_shingles(args.days, args.seed)
    if not rows or any(len(r) != FEATURE_DIM for r in rows):
        raise SystemExit("no usable training shingles")
    data = to_csv(rows)
    print(f"{len(rows)} shingles of {FEATURE_DIM} features from {args.days} days, {len(data)} B")
    steps = plan(args, time.strftime("%Y%m%d-%H%M%S", time.gmtime()))
    if args.dry_run:
        print(json.dumps(steps, indent=2))
        print("dry run: nothing sent to AWS")
    else:
        deploy(args, steps, data)
    print(f"set SAGEMAKER_ENDPOINT_NAME={args.endpoint_name} and AWS_REGION={args.region}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
