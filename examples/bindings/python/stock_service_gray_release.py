"""Seed 002, traffic gray release of the stock-service-example rest-api
(examples/stock-service-gray-release/main.ts in Python).

v1 -> v2 50/50 -> v3 reachable only via the latest tag -> v1/v2/v3 40/30/30.

    python stock_service_gray_release.py <outdir> [step ...]
"""
import os
import sys
from typing import Callable, Optional

from cdk8s import ApiObjectMetadata, App, Chart, Duration
from cdk8s_plus_28 import EnvValue

from cdk8s_knative_serving import ContainerProps, KnativeProbe, KnService, RevisionName, TrafficSplit


def stock_service(app: App, version: str, traffic: Optional[Callable[[KnService], TrafficSplit]] = None) -> None:
    chart = Chart(app, "stock-service-gray-release", namespace="default")
    svc = KnService(
        chart,
        "StockService",
        metadata=ApiObjectMetadata(name="stock-service-example"),
        revision_name=RevisionName.of(version),
        containers=[
            ContainerProps(
                image="registry.cn-hangzhou.aliyuncs.com/knative-sample/rest-api-go:v1",
                env_variables={"RESOURCE": EnvValue.from_value(version)},
                readiness=KnativeProbe.from_http_get(
                    "/", initial_delay_seconds=Duration.seconds(0), period_seconds=Duration.seconds(3),
                ),
            ),
        ],
    )
    if traffic is not None:
        svc.replace_traffic(traffic(svc))


def fifty_fifty(svc: KnService) -> TrafficSplit:
    """v1 and v2 50/50 (tags v1, v2) and the latest ready revision at 0% (tag latest)."""
    return (
        TrafficSplit.create()
        .to_revision(svc.revision("v1"), 50, tag="v1")
        .to_revision(svc.revision("v2"), 50, tag="v2")
        .to_latest(0, tag="latest")
    )


def forty_thirty_thirty(svc: KnService) -> TrafficSplit:
    return (
        TrafficSplit.create()
        .to_revision(svc.revision("v1"), 40, tag="v1")
        .to_revision(svc.revision("v2"), 30, tag="v2")
        .to_revision(svc.current_revision, 30, tag="v3")
        .to_latest(0, tag="latest")
    )


STEPS = {
    "v1": lambda app: stock_service(app, "v1"),
    "v2-50-50": lambda app: stock_service(app, "v2", fifty_fifty),
    "v3-latest-only": lambda app: stock_service(app, "v3", fifty_fifty),
    "v3-40-30-30": lambda app: stock_service(app, "v3", forty_thirty_thirty),
}


def main(outdir: str, wanted: list[str]) -> None:
    for name, build in STEPS.items():
        if wanted and name not in wanted:
            continue
        app = App(outdir=os.path.join(outdir, name))
        build(app)
        app.synth()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
