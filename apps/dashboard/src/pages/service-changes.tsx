/** Scaling a service and changing its image: each edits a copy of the current spec and sends it whole. */
import { useState, type FormEvent } from 'react';
import type { Service, ServiceSpec } from '../api/docker.js';
import { Field, FormStatus, type FieldErrors } from '../ui/form.js';
import { Section } from '../ui/page.js';

export function ServiceChanges({
  service,
  apply,
  pending,
  error,
}: {
  service: Service;
  apply: (spec: ServiceSpec) => Promise<unknown>;
  pending: boolean;
  error: unknown;
}) {
  const replicated = service.Spec.Mode?.Replicated;
  const [replicas, setReplicas] = useState(String(replicated?.Replicas ?? 1));
  const [image, setImage] = useState(
    service.Spec.TaskTemplate.ContainerSpec?.Image?.replace(/@sha256:.*/, '') ?? '',
  );
  const [errors, setErrors] = useState<FieldErrors>({});
  const [done, setDone] = useState<string | null>(null);
  const send = (change: (spec: ServiceSpec) => void, message: string) => {
    const spec = structuredClone(service.Spec);
    change(spec);
    setDone(null);
    void apply(spec)
      .then(() => setDone(message))
      .catch(() => undefined);
  };
  const scale = (e: FormEvent) => {
    e.preventDefault();
    const n = Number(replicas);
    if (!Number.isInteger(n) || n < 0 || n > 1000)
      return setErrors({ replicas: 'a whole number, 0 to 1000' });
    setErrors({});
    send((spec) => {
      spec.Mode = { Replicated: { Replicas: n } };
    }, `Scaled to ${n}.`);
  };
  const changeImage = (e: FormEvent) => {
    e.preventDefault();
    if (!image.trim() || /\s/.test(image.trim()))
      return setErrors({ image: 'an image reference, e.g. nginx:1.27' });
    setErrors({});
    send((spec) => {
      spec.TaskTemplate.ContainerSpec = { ...spec.TaskTemplate.ContainerSpec, Image: image.trim() };
    }, `Updating to ${image.trim()}.`);
  };
  return (
    <Section title="Change">
      {replicated && (
        <form onSubmit={scale} className="inline-form" noValidate>
          <Field label="Replicas" error={errors['replicas']}>
            {(p) => (
              <input
                {...p}
                type="number"
                min={0}
                value={replicas}
                onChange={(e) => setReplicas(e.target.value)}
              />
            )}
          </Field>
          <button type="submit" disabled={pending}>
            Scale
          </button>
        </form>
      )}
      <form onSubmit={changeImage} className="inline-form" noValidate>
        <Field label="New image" error={errors['image']}>
          {(p) => <input {...p} value={image} onChange={(e) => setImage(e.target.value)} />}
        </Field>
        <button type="submit" disabled={pending}>
          Update image
        </button>
      </form>
      <FormStatus error={error} success={done} />
    </Section>
  );
}
