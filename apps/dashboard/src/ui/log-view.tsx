/**
 * A log panel: the last lines of a container or service, with a Follow toggle that keeps the stream open
 * and scrolls to new lines. stderr lines are marked (colour and a visually hidden prefix). It is a
 * `role="log"` region, which screen readers announce politely as lines arrive.
 */
import { useEffect, useId, useRef, useState } from 'react';
import { useDockerLogs } from '../api/docker-logs.js';
import { ErrorNotice } from './states.js';

export function LogView({ path, what }: { path: string; what: string }) {
  const id = useId();
  const [follow, setFollow] = useState(true);
  const logs = useDockerLogs(path, { follow, tail: 200 });
  const box = useRef<HTMLPreElement>(null);
  useEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [logs.lines, follow]);
  return (
    <div className="log-view">
      <div className="table-tools">
        <label className="checkbox" htmlFor={`${id}-follow`}>
          <input
            id={`${id}-follow`}
            type="checkbox"
            checked={follow}
            onChange={(e) => setFollow(e.target.checked)}
          />
          Follow
        </label>
        <span className="count" role="status">
          {logs.phase === 'loading'
            ? 'Loading logs…'
            : `${logs.lines.length} lines${logs.phase === 'following' ? ', following' : ''}`}
        </span>
      </div>
      {logs.error ? (
        <ErrorNotice error={logs.error} />
      ) : (
        <pre ref={box} className="log-lines" role="log" aria-label={`Logs of ${what}`} tabIndex={0}>
          {logs.lines.length === 0 && logs.phase !== 'loading' ? (
            <span className="muted">No log lines yet.</span>
          ) : (
            logs.lines.map((line, i) => (
              <span key={i} className={line.stream === 'stderr' ? 'log-line log-stderr' : 'log-line'}>
                {line.stream === 'stderr' && <span className="visually-hidden">stderr: </span>}
                {line.text}
                {'\n'}
              </span>
            ))
          )}
        </pre>
      )}
    </div>
  );
}
