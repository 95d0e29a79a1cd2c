/**
 * Entry point of the `stevedore` command: builds the command tree and turns any error into one clear line
 * on stderr with its stable code, and a non-zero exit status.
 */
import { isStevedoreError } from '@stevedore/errors';
import { buildProgram } from './program.js';

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  if (isStevedoreError(err)) {
    process.stderr.write(`stevedore: ${err.code}: ${err.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(
      `stevedore: INTERNAL: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 1;
  }
}
