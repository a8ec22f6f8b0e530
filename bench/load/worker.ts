/**
 * The load generator's process: runs autocannon jobs sent over IPC by {@link LoadGenerator} and
 * answers with their figures. It runs apart from the server so that generating load and serving it
 * are separate processes, as they are in production (they still share the machine's cores).
 */
import autocannon from 'autocannon';
import type { LoadJob, LoadResult } from './generator.ts';
import { type UpdatesScenario, updateBody, updateOutcome } from './scenarios.ts';

/** Counts answers that are not a 200 with data and no errors, keeping the first for the report. */
class Failures {
  count = 0;
  first: string | null = null;

  check(status: number, body: string): boolean {
    if (status === 200 && !body.includes('"errors"')) return true;
    this.count++;
    this.first ??= `${status} ${body.slice(0, 300)}`;
    return false;
  }
}

type Request = autocannon.Request;
type Context = Record<string, unknown>;

function bodiesRequests(bodies: readonly string[], failures: Failures): Request[] {
  let next = 0;
  return [
    {
      method: 'POST',
      setupRequest: (request: Request) => ({ ...request, body: bodies[next++ % bodies.length] }),
      onResponse: (status: number, body: string) => void failures.check(status, body),
    } as Request,
  ];
}

/**
 * Updates of resources taken from a queue of those not in flight; each answer puts its resource
 * back with its new version. Conflicts (see {@link UpdatesScenario}) adopt the current version.
 */
function updatesRequests(
  scenario: UpdatesScenario,
  failures: Failures,
  conflicts: { count: number },
): Request[] {
  const versions = [...scenario.versions];
  const idle = versions.map((_, i) => i);
  return [
    {
      method: 'POST',
      setupRequest(request: Request, context: Context) {
        const i = idle.shift();
        if (i === undefined) throw new Error('more connections than resources');
        context.resource = i;
        return { ...request, body: updateBody(i, versions[i]!, versions.length) };
      },
      onResponse(status: number, body: string, context: Context) {
        const i = context.resource as number;
        idle.push(i);
        const outcome = status === 200 ? updateOutcome(body) : null;
        if (outcome === null)
          failures.check(status, body.includes('"errors"') ? body : `no version in ${body}`);
        else if ('version' in outcome) versions[i] = outcome.version;
        else {
          conflicts.count++;
          versions[i] = outcome.conflict;
        }
      },
    } as Request,
  ];
}

async function run(job: LoadJob): Promise<LoadResult> {
  const failures = new Failures();
  const conflicts = { count: 0 };
  const hooks =
    job.scenario.kind === 'bodies'
      ? bodiesRequests(job.scenario.bodies, failures)
      : updatesRequests(job.scenario, failures, conflicts);
  const result = await autocannon({
    url: job.url,
    connections: job.connections,
    duration: job.durationMs / 1000,
    headers: { 'content-type': 'application/json', ...job.headers },
    requests: hooks,
  });
  // More conflicts than connections cannot come from requests cut off at the end of the last job.
  if (conflicts.count > job.connections) failures.check(409, `${conflicts.count} version conflicts`);
  const answered = result.requests.total - conflicts.count;
  return {
    requests: answered,
    seconds: result.duration,
    rate: answered / result.duration,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99 },
    failures: failures.count + result.errors + result.timeouts,
    firstFailure: failures.first ?? (result.errors > 0 ? `${result.errors} connection errors` : null),
  };
}

process.on('message', (message: { id: number; job: LoadJob }) => {
  run(message.job).then(
    (result) => process.send?.({ id: message.id, result }),
    (error: unknown) => process.send?.({ id: message.id, error: String(error) }),
  );
});
process.send?.({ ready: true });
