/**
 * The write workload the write cases share, in process and over HTTP: agents updating their own
 * Deployments, each update changing one label and the data of a triplet from the Deployment.
 */
import type { ResourceInput, ResourceRef } from '../../src/store/types.ts';

/** The predicate type of the triplet every write rewrites. */
export const DEPENDS_ON = 'DependsOn';
const NAMESPACE = 'bench';

/** Ref of writable resource `i`. */
export function refOf(i: number): ResourceRef {
  return {
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    namespace: NAMESPACE,
    name: `app-${String(i).padStart(5, '0')}`,
  };
}

/** Content of resource `i` at `generation`: ~1.2 KB of JSON, three labels (one changes every write). */
export function writeInput(i: number, generation: number): ResourceInput {
  const ref = refOf(i);
  const labels = { app: ref.name, tier: ['web', 'api', 'worker'][i % 3]!, generation: String(generation) };
  return {
    ref,
    labels,
    annotations: { 'deployment.kubernetes.io/revision': String(generation) },
    data: {
      metadata: { name: ref.name, namespace: NAMESPACE, labels, generation },
      spec: {
        replicas: 1 + (generation % 5),
        selector: { matchLabels: { app: ref.name } },
        template: {
          metadata: { labels: { app: ref.name } },
          spec: {
            containers: [
              {
                name: 'main',
                image: `registry.example.com/${ref.name}:1.${generation}`,
                args: ['--port=8080', '--log-level=info', `--generation=${generation}`],
                env: Array.from({ length: 8 }, (_, e) => ({
                  name: `SETTING_${e}`,
                  value: `value-${i}-${e}`,
                })),
                resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
              },
            ],
          },
        },
      },
      status: { observedGeneration: generation, replicas: 1, readyReplicas: 1 },
    },
  };
}

/** The triplet write `i` at `generation` adds (or rewrites): resource i depends on resource i + 1. */
export function writeTriplet(i: number, generation: number, resources: number) {
  return {
    subject: refOf(i),
    predicate: { type: DEPENDS_ON, data: { generation } },
    object: refOf((i + 1) % resources),
  };
}
