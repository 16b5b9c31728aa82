import { NotFoundError } from '../errors.js';
import { lineageNode, type LineageEdge, type RunStore } from './store.js';

export interface LineageGraph {
  /** The node the walk started from. */
  root: string;
  /** Edges leading to the root (what it came from). */
  upstream: LineageEdge[];
  /** Edges leading away from it (what was made from it). */
  downstream: LineageEdge[];
}

/** Resolves what a user typed: `run:…`, `step:…`, `model:…`, `artifact:<sha>`, a sha256 prefix or an artifact URI. */
export function resolveLineageRoot(runs: RunStore, ref: string): string {
  if (/^(run|step|model|artifact):/.test(ref)) return ref;
  const found = runs.findArtifacts(ref);
  if (found.length === 1 && found[0]) return lineageNode.artifact(found[0].sha256);
  if (found.length > 1) throw new NotFoundError('artifact', ref, `ambiguous: ${found.map((a) => a.sha256.slice(0, 12)).join(', ')}; give more digits`);
  if (runs.getRun(ref)) return lineageNode.run(ref);
  throw new NotFoundError('artifact, model or run', ref, 'give a sha256 prefix, an artifact URI, a run id or model:<name>@<version>');
}

/** Breadth-first both ways from the root, up to `depth` edges away. */
export function walkLineage(runs: RunStore, ref: string, depth: number): LineageGraph {
  const root = resolveLineageRoot(runs, ref);
  const walk = (next: (node: string) => LineageEdge[], far: (e: LineageEdge) => string): LineageEdge[] => {
    const seen = new Set([root]);
    const edges: LineageEdge[] = [];
    let frontier = [root];
    for (let d = 0; d < depth && frontier.length > 0; d++) {
      const following: string[] = [];
      for (const node of frontier) {
        for (const e of next(node)) {
          edges.push(e);
          const other = far(e);
          if (!seen.has(other)) {
            seen.add(other);
            following.push(other);
          }
        }
      }
      frontier = following;
    }
    return edges;
  };
  // A step is reached from its run ("ran"); upstream of a step are its inputs, not its run's other steps.
  const upstream = walk(
    (n) => runs.edgesTo(n),
    (e) => e.from,
  );
  const downstream = walk(
    (n) => runs.edgesFrom(n),
    (e) => e.to,
  );
  return { root, upstream, downstream };
}
