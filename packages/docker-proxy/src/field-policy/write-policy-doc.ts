/** `npm run docs:field-policy`: rewrites the generated section of docs/rbac.md (see policy-doc.ts). */
import { readFile, writeFile } from 'node:fs/promises';
import { DOCS_FILE, withFieldPolicy } from './policy-doc.js';

await writeFile(DOCS_FILE, await withFieldPolicy(await readFile(DOCS_FILE, 'utf8')));
console.log(`wrote ${DOCS_FILE}`);
