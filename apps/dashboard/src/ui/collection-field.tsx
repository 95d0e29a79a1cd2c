/**
 * The collection a create form puts a resource in: the visible collections where the user's grants allow
 * the create (a grant covers the collections below it), the user's default collection first. The proxy
 * checks the label again; this only keeps out choices it would refuse.
 */
import { useApiQuery } from '../api/hooks.js';
import type { Permissions } from '../api/permissions.js';
import { useSession } from '../session/session.js';
import { Field } from './form.js';

/** Collections where `operation` is allowed; empty until the collections have loaded. */
export function useCollectionsFor(permissions: Permissions, operation: string): string[] {
  const defaultCollection = useSession().user!.defaultCollection;
  const collections = useApiQuery('listCollections');
  if (!permissions.ready || !collections.data) return [];
  const paths = new Set([defaultCollection, ...collections.data.items.map((c) => c.path)]);
  return [...paths]
    .filter((c) => permissions.can(operation, c))
    .sort((a, b) => (a === defaultCollection ? -1 : b === defaultCollection ? 1 : a.localeCompare(b)));
}

export function CollectionField(props: {
  options: readonly string[];
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <Field label="Collection" hint="Where it is placed; grants on it decide who may use it.">
      {(p) => (
        <select {...p} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
          {props.options.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
