package io.github.cdk8sknative.examples;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;

import io.github.cdk8sknative.serving.IRevision;
import io.github.cdk8sknative.serving.KnService;
import io.github.cdk8sknative.serving.RevisionName;
import io.github.cdk8sknative.serving.TrafficReleaseOptions;
import io.github.cdk8sknative.serving.TrafficSplit;
import org.cdk8s.ApiObjectMetadata;
import org.cdk8s.App;
import org.cdk8s.Chart;
import org.cdk8s.ChartProps;
import org.cdk8s.plus28.EnvValue;

/**
 * Seed scenario 3, "Managed release of a new Revision - config change only"
 * (examples/managed-release/main.ts in Java): traffic pinned to my-service-def (tag current), the
 * config change HELLO=blurg deployed as my-service-ghi behind the latest tag, released
 * 0% → 5% → 50% under the candidate tag, then promoted to current.
 *
 * <pre>java io.github.cdk8sknative.examples.ManagedRelease &lt;outdir&gt; [step...]</pre>
 */
public final class ManagedRelease {
    private ManagedRelease() {
    }

    /** The HELLO value of each revision's template: def is in production, ghi is the config change. */
    private static final Map<String, String> TEMPLATES = Map.of("def", "world", "ghi", "blurg");

    static void myService(App app, String revision, Function<KnService, TrafficSplit> traffic) {
        Chart chart = new Chart(app, "managed-release", ChartProps.builder().namespace("default").build());
        KnService svc = KnService.Builder.create(chart, "MyService")
                .metadata(ApiObjectMetadata.builder().name("my-service").build())
                .image("gcr.io/knative-samples/helloworld-go")
                .envVariables(new TreeMap<>(Map.of(
                        "FOO", EnvValue.fromValue("bar"),
                        "HELLO", EnvValue.fromValue(TEMPLATES.get(revision)))))
                // BYO name: Knative does not re-default a named template on update.
                .revisionName(RevisionName.of(revision))
                .build();
        svc.replaceTraffic(traffic.apply(svc));
    }

    static IRevision current(KnService svc) {
        return svc.revision("def");
    }

    static IRevision candidate(KnService svc) {
        return svc.revision("ghi");
    }

    /** Release mode: current only. */
    static TrafficSplit pinned(KnService svc) {
        return TrafficSplit.release(TrafficReleaseOptions.builder().current(current(svc)).build());
    }

    /** Release mode: current plus the candidate at {@code percent}. */
    static Function<KnService, TrafficSplit> candidateAt(int percent) {
        return svc -> TrafficSplit.release(TrafficReleaseOptions.builder()
                .current(current(svc))
                .candidate(candidate(svc))
                .candidatePercent(percent)
                .build());
    }

    static final Map<String, Consumer<App>> STEPS = new LinkedHashMap<>();

    static {
        STEPS.put("pin-current", app -> myService(app, "def", ManagedRelease::pinned));
        STEPS.put("deploy-candidate", app -> myService(app, "ghi", ManagedRelease::pinned));
        STEPS.put("begin", app -> myService(app, "ghi", candidateAt(0)));
        STEPS.put("candidate-5", app -> myService(app, "ghi", candidateAt(5)));
        STEPS.put("candidate-50", app -> myService(app, "ghi", candidateAt(50)));
        STEPS.put("promote", app -> myService(app, "ghi", svc -> candidateAt(50).apply(svc).promote()));
    }

    public static void main(String[] args) {
        Steps.run(STEPS, args);
    }
}
