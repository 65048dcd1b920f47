import { App } from 'cdk8s';

/**
 * One step of an example scenario. Single-step examples have exactly one step; multi-step
 * scenarios (e.g. a managed release 0% → 5% → 50% → 100%) have one step per state the user
 * would commit and apply, in order.
 */
export interface ExampleStep {
  /** Short kebab-case name; multi-step examples synthesize into `<example>/<NN>-<name>/`. */
  readonly name: string;
  /** One line: what changes in this step. */
  readonly description: string;
  /** Add this step's charts to the app. */
  build(app: App): void;
}

/** A runnable example: one seed scenario as cdk8s app(s). */
export interface Example {
  /** Directory name under examples/ and dist/manifests/. */
  readonly name: string;
  readonly title: string;
  /** Which seed scenario it reproduces. */
  readonly scenario: string;
  readonly steps: ExampleStep[];
}

/**
 * Entry point for running one example file directly (`ts-node examples/<name>/main.ts`):
 * synthesizes the step named by env STEP (default: the last one) into `CDK8S_OUTDIR` or `dist`.
 */
export function runExample(example: Example): App {
  const wanted = process.env.STEP;
  const step = wanted ? example.steps.find((s) => s.name === wanted) : example.steps[example.steps.length - 1];
  if (!step) {
    throw new Error(`example ${example.name} has no step "${wanted}"; steps: ${example.steps.map((s) => s.name).join(', ')}`);
  }
  const app = new App();
  step.build(app);
  app.synth();
  return app;
}
