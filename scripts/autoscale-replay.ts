/**
 * `npm run -s autoscale:replay -- TRACE.json`: replay a trace through the KPA decider
 * (src/core/autoscaler) and print `{"ticks":[{"t":…,"desired":…,"ebc":…,"panic":…,"valid":…}, …]}`.
 * The trace format is in the README ("Replaying the autoscaler"). Bad input: a message on stderr, exit 1.
 */
import { readFileSync } from 'fs';
import { parseReplayTrace, replay } from '../src/core/autoscaler';

function main(argv: string[]): number {
  if (argv.length !== 1 || argv[0].startsWith('-')) {
    process.stderr.write('usage: npm run -s autoscale:replay -- TRACE.json\n');
    return 2;
  }
  let input: unknown;
  try {
    input = JSON.parse(readFileSync(argv[0], 'utf8'));
  } catch (e) {
    process.stderr.write(`autoscale:replay: cannot read ${argv[0]}: ${(e as Error).message}\n`);
    return 1;
  }
  try {
    process.stdout.write(`${JSON.stringify(replay(parseReplayTrace(input)))}\n`);
  } catch (e) {
    process.stderr.write(`autoscale:replay: ${(e as Error).message}\n`);
    return 1;
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
