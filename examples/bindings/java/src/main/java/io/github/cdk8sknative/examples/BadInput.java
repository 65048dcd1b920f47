package io.github.cdk8sknative.examples;

import io.github.cdk8sknative.serving.KnService;
import io.github.cdk8sknative.serving.RevisionName;
import io.github.cdk8sknative.serving.TrafficSplit;
import io.github.cdk8sknative.serving.TrafficTagOptions;
import org.cdk8s.ApiObjectMetadata;
import org.cdk8s.App;
import org.cdk8s.AppProps;
import org.cdk8s.Chart;
import org.cdk8s.ChartProps;

/**
 * One bad input: a traffic split that sums to 90. {@code app.synth()} throws a JsiiError whose
 * message names the construct path, the bad value and the fix, exactly as {@code cdk8s synth}
 * reports it for a TypeScript app.
 *
 * <pre>java io.github.cdk8sknative.examples.BadInput &lt;outdir&gt;</pre>
 */
public final class BadInput {
    private BadInput() {
    }

    public static void main(String[] args) {
        App app = new App(AppProps.builder().outdir(args[0]).build());
        Chart chart = new Chart(app, "shop", ChartProps.builder().namespace("default").build());
        KnService svc = KnService.Builder.create(chart, "Api")
                .metadata(ApiObjectMetadata.builder().name("api").build())
                .image("ghcr.io/example/api:1.0")
                .revisionName(RevisionName.of("v2"))
                .build();
        svc.replaceTraffic(TrafficSplit.create()
                .toRevision(svc.revision("v1"), 60, TrafficTagOptions.builder().tag("stable").build())
                .toLatest(30, TrafficTagOptions.builder().tag("latest").build()));
        app.synth(); // throws: [shop/Api] spec.traffic: Traffic targets sum to 90, want 100 (got [60,30]). Fix: ...
    }
}
