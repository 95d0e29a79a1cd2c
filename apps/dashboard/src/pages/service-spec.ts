/**
 * The create-a-service form's values as a service spec (pure, tested under Node in
 * test/docker-format.test.ts): the command split like a shell would, the collection as the
 * `io.stevedore.collection` label (none: the proxy uses the user's default collection), an optional
 * published port. Each problem is named by its field.
 */
import { COLLECTION_LABEL, type ServiceSpec } from '../api/docker-types.js';
import { splitWords } from '../ui/docker-format.js';

/** Field name -> its problem (the shape ui/form.tsx's fields take). */
export type FieldErrors = Partial<Record<string, string>>;

export const emptyServiceForm = {
  name: '',
  image: '',
  command: '',
  replicas: '1',
  collection: '',
  published: '',
  target: '',
};
export type ServiceForm = typeof emptyServiceForm;

/** The form as a service spec, or the problems with it, field by field. */
export function serviceSpecOf(form: ServiceForm): { spec: ServiceSpec } | { errors: FieldErrors } {
  const errors: FieldErrors = {};
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(form.name))
    errors['name'] = 'letters, digits, _ . - (up to 63)';
  if (!form.image.trim() || /\s/.test(form.image.trim()))
    errors['image'] = 'an image reference, e.g. nginx:1.27';
  let command: string[] = [];
  try {
    command = splitWords(form.command);
  } catch (err) {
    errors['command'] = (err as Error).message;
  }
  const replicas = Number(form.replicas);
  if (!Number.isInteger(replicas) || replicas < 0 || replicas > 1000)
    errors['replicas'] = 'a whole number, 0 to 1000';
  if (form.collection && !form.collection.startsWith('/'))
    errors['collection'] = 'a collection path, e.g. /Shared/dev';
  const port = (v: string) => Number.isInteger(Number(v)) && Number(v) >= 1 && Number(v) <= 65535;
  if (form.published && !port(form.published)) errors['published'] = 'a port, 1 to 65535';
  if (form.published && !port(form.target)) errors['target'] = 'the port inside the container';
  if (Object.keys(errors).length > 0) return { errors };
  return {
    spec: {
      Name: form.name,
      ...(form.collection ? { Labels: { [COLLECTION_LABEL]: form.collection } } : {}),
      TaskTemplate: {
        ContainerSpec: { Image: form.image.trim(), ...(command.length ? { Command: command } : {}) },
      },
      Mode: { Replicated: { Replicas: replicas } },
      ...(form.published
        ? {
            EndpointSpec: {
              Ports: [
                { Protocol: 'tcp', TargetPort: Number(form.target), PublishedPort: Number(form.published) },
              ],
            },
          }
        : {}),
    },
  };
}
