package io.github.cdk8sknative.examples;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.cdk8s.App;
import org.cdk8s.AppProps;

/** Synthesizes the steps of one example, each into its own app: {@code <outdir>/<step>/}. */
final class Steps {
    private Steps() {
    }

    /** args: the output directory, then the steps to synthesize (default: all, in order). */
    static void run(Map<String, Consumer<App>> steps, String[] args) {
        if (args.length < 1) {
            throw new IllegalArgumentException("usage: <outdir> [step...]; steps: " + steps.keySet());
        }
        List<String> wanted = args.length > 1 ? Arrays.asList(args).subList(1, args.length) : List.copyOf(steps.keySet());
        for (String name : wanted) {
            Consumer<App> build = steps.get(name);
            if (build == null) {
                throw new IllegalArgumentException("no step " + name + "; steps: " + steps.keySet());
            }
            App app = new App(AppProps.builder().outdir(Path.of(args[0], name).toString()).build());
            build.accept(app);
            app.synth();
        }
    }
}
