"""Seed scenario 3, "Managed release of a new Revision - config change only"
(examples/managed-release/main.ts in Python).

Traffic is pinned to my-service-def (tag current), the config change HELLO=blurg is deployed as
my-service-ghi behind the latest tag, released 0% -> 5% -> 50% under the candidate tag and
promoted to current.

    python managed_release.py <outdir> [step ...]
"""
import os
import sys
from typing import Callable, Optional

from cdk8s import ApiObjectMetadata, App, Chart
from cdk8s_plus_28 import EnvValue

from cdk8s_knative_serving import IRevision, KnService, RevisionName, TrafficSplit

# The HELLO value of each revision's template: def is in production, ghi is the config change.
TEMPLATES = {"def": "world", "ghi": "blurg"}


def my_service(app: App, revision: str, traffic: Callable[[KnService], TrafficSplit]) -> None:
    chart = Chart(app, "managed-release", namespace="default")
    svc = KnService(
        chart,
        "MyService",
        metadata=ApiObjectMetadata(name="my-service"),
        image="gcr.io/knative-samples/helloworld-go",
        env_variables={
            "FOO": EnvValue.from_value("bar"),
            "HELLO": EnvValue.from_value(TEMPLATES[revision]),
        },
        # BYO name: Knative does not re-default a named template on update.
        revision_name=RevisionName.of(revision),
    )
    svc.replace_traffic(traffic(svc))


def current(svc: KnService) -> IRevision:
    return svc.revision("def")


def candidate(svc: KnService) -> IRevision:
    return svc.revision("ghi")


def release(candidate_percent: Optional[int] = None) -> Callable[[KnService], TrafficSplit]:
    """The release-mode split: current, plus the candidate at candidate_percent if given."""
    def split(svc: KnService) -> TrafficSplit:
        if candidate_percent is None:
            return TrafficSplit.release(current=current(svc))
        return TrafficSplit.release(
            current=current(svc), candidate=candidate(svc), candidate_percent=candidate_percent,
        )
    return split


STEPS = {
    "pin-current": lambda app: my_service(app, "def", release()),
    "deploy-candidate": lambda app: my_service(app, "ghi", release()),
    "begin": lambda app: my_service(app, "ghi", release(0)),
    "candidate-5": lambda app: my_service(app, "ghi", release(5)),
    "candidate-50": lambda app: my_service(app, "ghi", release(50)),
    "promote": lambda app: my_service(app, "ghi", lambda svc: release(50)(svc).promote()),
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
