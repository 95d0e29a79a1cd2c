/**
 * Small pieces the Docker pages share: a collection shown as code, a state word with its colour, the live
 * indicator of the event stream, and the summary of an action's outcome.
 */
import { useDockerEvents } from '../api/docker-events.js';

export function CollectionCode({ path }: { path: string }) {
  return <code>{path}</code>;
}

const GOOD = new Set(['ready', 'running', 'active', 'complete']);
const BAD = new Set(['down', 'failed', 'rejected', 'dead', 'exited', 'disconnected', 'unknown', 'orphaned']);

/** A state word (ready, running, failed, …) coloured by how it is doing; the word carries the meaning. */
export function StateText({ state }: { state: string | undefined }) {
  const s = state ?? 'unknown';
  const tone = GOOD.has(s) ? 'state-good' : BAD.has(s) ? 'state-bad' : 'state-other';
  return <span className={`state-word ${tone}`}>{s}</span>;
}

/** Follows the event stream while mounted and says whether updates are live. */
export function LiveUpdates() {
  const status = useDockerEvents();
  return (
    <p className="live-status hint" role="status">
      {status === 'live'
        ? 'Live: changes appear as they happen.'
        : status === 'connecting'
          ? 'Connecting to live updates…'
          : 'Live updates interrupted; reconnecting…'}
    </p>
  );
}
