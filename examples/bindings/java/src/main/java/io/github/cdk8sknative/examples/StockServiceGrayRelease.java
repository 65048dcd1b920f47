package io.github.cdk8sknative.examples;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

import io.github.cdk8sknative.serving.ContainerProps;
import io.github.cdk8sknative.serving.KnService;
import io.github.cdk8sknative.serving.KnativeProbe;
import io.github.cdk8sknative.serving.RevisionName;
import io.github.cdk8sknative.serving.TrafficSplit;
import io.github.cdk8sknative.serving.TrafficTagOptions;
import org.cdk8s.ApiObjectMetadata;
import org.cdk8s.App;
import org.cdk8s.Chart;
import org.cdk8s.ChartProps;
import org.cdk8s.Duration;
import org.cdk8s.plus28.EnvValue;
import org.cdk8s.plus28.HttpGetProbeOptions;

/**
 * Seed 002, traffic gray release of the stock-service-example rest-api
 * (examples/stock-service-gray-release/main.ts in Java): v1 → v2 50/50 → v3 reachable only via
 * the latest tag → v1/v2/v3 40/30/30.
 *
 * <pre>java io.github.cdk8sknative.examples.StockServiceGrayRelease &lt;outdir&gt; [step...]</pre>
 */
public final class StockServiceGrayRelease {
    private StockServiceGrayRelease() {
    }

    static void stockService(App app, String version, Function<KnService, TrafficSplit> traffic) {
        Chart chart = new Chart(app, "stock-service-gray-release", ChartProps.builder().namespace("default").build());
        KnService svc = KnService.Builder.create(chart, "StockService")
                .metadata(ApiObjectMetadata.builder().name("stock-service-example").build())
                .revisionName(RevisionName.of(version))
                .containers(List.of(ContainerProps.builder()
                        .image("registry.cn-hangzhou.aliyuncs.com/knative-sample/rest-api-go:v1")
                        .envVariables(Map.of("RESOURCE", EnvValue.fromValue(version)))
                        .readiness(KnativeProbe.fromHttpGet("/", HttpGetProbeOptions.builder()
                                .initialDelaySeconds(Duration.seconds(0))
                                .periodSeconds(Duration.seconds(3))
                                .build()))
                        .build()))
                .build();
        if (traffic != null) {
            svc.replaceTraffic(traffic.apply(svc));
        }
    }

    static TrafficTagOptions tag(String name) {
        return TrafficTagOptions.builder().tag(name).build();
    }

    /** v1 and v2 50/50 (tags v1, v2) and the latest ready revision at 0% (tag latest). */
    static TrafficSplit fiftyFifty(KnService svc) {
        return TrafficSplit.create()
                .toRevision(svc.revision("v1"), 50, tag("v1"))
                .toRevision(svc.revision("v2"), 50, tag("v2"))
                .toLatest(0, tag("latest"));
    }

    static TrafficSplit fortyThirtyThirty(KnService svc) {
        return TrafficSplit.create()
                .toRevision(svc.revision("v1"), 40, tag("v1"))
                .toRevision(svc.revision("v2"), 30, tag("v2"))
                .toRevision(svc.getCurrentRevision(), 30, tag("v3"))
                .toLatest(0, tag("latest"));
    }

    static final Map<String, Consumer<App>> STEPS = new LinkedHashMap<>();

    static {
        STEPS.put("v1", app -> stockService(app, "v1", null));
        STEPS.put("v2-50-50", app -> stockService(app, "v2", StockServiceGrayRelease::fiftyFifty));
        STEPS.put("v3-latest-only", app -> stockService(app, "v3", StockServiceGrayRelease::fiftyFifty));
        STEPS.put("v3-40-30-30", app -> stockService(app, "v3", StockServiceGrayRelease::fortyThirtyThirty));
    }

    public static void main(String[] args) {
        Steps.run(STEPS, args);
    }
}
