import { FailedPreconditionError } from '@stevedore/errors';

/** A watch asked for history older than the compaction point; restart from `compactRevision` or later. */
export class CompactedError extends FailedPreconditionError {
  override readonly name: string = 'CompactedError';
  readonly compactRevision: number;
  constructor(requested: number, compactRevision: number) {
    super(
      `revision ${requested} has been compacted; the oldest revision still available is ${compactRevision}. ` +
        'Re-read the current state and watch from its revision.',
      { detail: { requested, compactRevision } },
    );
    this.compactRevision = compactRevision;
  }
}

export function isCompacted(err: unknown): err is CompactedError {
  return err instanceof CompactedError;
}
