"""One bad input: a traffic split that sums to 90.

app.synth() raises a JSIIError whose message names the construct path, the bad value and the fix,
exactly as `cdk8s synth` reports it for a TypeScript app.

    python bad_input.py <outdir>
"""
import sys

from cdk8s import ApiObjectMetadata, App, Chart

from cdk8s_knative_serving import KnService, RevisionName, TrafficSplit

app = App(outdir=sys.argv[1])
chart = Chart(app, "shop", namespace="default")
svc = KnService(
    chart,
    "Api",
    metadata=ApiObjectMetadata(name="api"),
    image="ghcr.io/example/api:1.0",
    revision_name=RevisionName.of("v2"),
)
svc.replace_traffic(
    TrafficSplit.create().to_revision(svc.revision("v1"), 60, tag="stable").to_latest(30, tag="latest")
)
app.synth()  # raises: [shop/Api] spec.traffic: Traffic targets sum to 90, want 100 (got [60,30]). Fix: ...
