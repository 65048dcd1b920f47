"""Seed scenario 2, "Creating a new Service" (examples/first-service/main.ts in Python).

The first deployment of my-service: Knative names the first revision and routes 100% to it.

    python first_service.py <outdir> [create]
"""
import os
import sys

from cdk8s import ApiObjectMetadata, App, Chart
from cdk8s_plus_28 import EnvValue

from cdk8s_knative_serving import KnService


def create(app: App) -> None:
    chart = Chart(app, "first-service", namespace="default")
    KnService(
        chart,
        "MyService",
        metadata=ApiObjectMetadata(name="my-service"),
        image="gcr.io/knative-samples/helloworld-go",
        env_variables={
            "FOO": EnvValue.from_value("bar"),
            "HELLO": EnvValue.from_value("world"),
        },
    )


STEPS = {"create": create}


def main(outdir: str, wanted: list[str]) -> None:
    for name, build in STEPS.items():
        if wanted and name not in wanted:
            continue
        app = App(outdir=os.path.join(outdir, name))
        build(app)
        app.synth()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
