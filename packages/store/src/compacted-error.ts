import { FailedPreconditionError } from '@stevedore/errors';

/**
 * A watch or range asked for history older than what the Store still keeps; restart from `compactRevision`
 * or later (undefined when the Store does not say: etcd's range error carries no number).
 */
export class CompactedError extends FailedPreconditionError {
  override readonly name: string = 'CompactedError';
  readonly compactRevision: number | undefined;
  constructor(requested: number, compactRevision?: number) {
    super(
      `revision ${requested} has been compacted` +
        (compactRevision === undefined
          ? '. '
          : `; the oldest revision still available is ${compactRevision}. `) +
        'Re-read the current state and watch from its revision.',
      { detail: { requested, ...(compactRevision === undefined ? {} : { compactRevision }) } },
    );
    this.compactRevision = compactRevision;
  }
}

export function isCompacted(err: unknown): err is CompactedError {
  return err instanceof CompactedError;
}
