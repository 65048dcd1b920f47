package io.github.cdk8sknative.examples;

import java.util.Map;
import java.util.TreeMap;

import io.github.cdk8sknative.serving.KnService;
import org.cdk8s.ApiObjectMetadata;
import org.cdk8s.App;
import org.cdk8s.Chart;
import org.cdk8s.ChartProps;
import org.cdk8s.plus28.EnvValue;

/**
 * Seed scenario 2, "Creating a new Service" (examples/first-service/main.ts in Java): the first
 * deployment of my-service, 100% to its first revision.
 *
 * <pre>java io.github.cdk8sknative.examples.FirstService &lt;outdir&gt; [create]</pre>
 */
public final class FirstService {
    private FirstService() {
    }

    static void create(App app) {
        Chart chart = new Chart(app, "first-service", ChartProps.builder().namespace("default").build());
        KnService.Builder.create(chart, "MyService")
                .metadata(ApiObjectMetadata.builder().name("my-service").build())
                .image("gcr.io/knative-samples/helloworld-go")
                // Env vars are written in the map's iteration order; Map.of has none, a TreeMap sorts by name.
                .envVariables(new TreeMap<>(Map.of(
                        "FOO", EnvValue.fromValue("bar"),
                        "HELLO", EnvValue.fromValue("world"))))
                .build();
    }

    public static void main(String[] args) {
        Steps.run(Map.of("create", FirstService::create), args);
    }
}
