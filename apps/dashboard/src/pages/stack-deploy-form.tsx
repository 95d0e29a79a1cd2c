/**
 * Deploys a stack from a compose file pasted or chosen from disk. The YAML parser loads on the first
 * deploy (it stays out of the initial bundle); the whole file is translated first (stacks/compose.ts), so
 * an unsupported key or a mistake is listed before anything is created; then stack-deploy.ts makes the
 * objects through the proxy, saying what it is doing, and a refusal says which rule refused.
 */
import { useState, type FormEvent } from 'react';
import { useDockerMutation } from '../api/docker-hooks.js';
import type { Permissions } from '../api/permissions.js';
import { ComposeError, planStack, STACK_NAME } from '../stacks/compose.js';
import { deployStack } from '../stacks/stack-deploy.js';
import { CollectionField, useCollectionsFor } from '../ui/collection-field.js';
import { Field, FormStatus, type FieldErrors } from '../ui/form.js';
import { Section } from '../ui/page.js';

const EXAMPLE = `services:
  web:
    image: stevedore/busybox:test
    command: sleep 1000
    deploy:
      replicas: 1
`;

interface DeployInput {
  readonly stack: string;
  readonly compose: string;
  readonly collection: string;
}

export function StackDeployForm({ permissions }: { permissions: Permissions }) {
  const options = useCollectionsFor(permissions, 'service.create');
  const [stack, setStack] = useState('');
  const [compose, setCompose] = useState(EXAMPLE);
  const [collection, setCollection] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [progress, setProgress] = useState<string | null>(null);
  const [problems, setProblems] = useState<readonly string[]>([]);
  const deploy = useDockerMutation(
    async (docker, input: DeployInput) => {
      const { parse } = await import('yaml');
      const plan = planStack(input.stack, parse(input.compose) as unknown, input.collection);
      await deployStack(docker, plan, setProgress);
      return plan;
    },
    { invalidates: ['services', 'networks', 'secrets', 'configs', 'volumes', 'tasks'] },
  );

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setProgress(null);
    setProblems([]);
    const found: FieldErrors = {};
    if (!STACK_NAME.test(stack)) found['stack'] = 'Lowercase letters, digits, "-" and "_", up to 63.';
    if (compose.trim() === '') found['compose'] = 'Paste a compose file or choose one.';
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    deploy.mutate(
      { stack, compose, collection: collection || options[0]! },
      {
        onSuccess: (plan) =>
          setProgress(
            `Deployed stack ${plan.stack}: ${plan.services.length} service(s), ${plan.networks.length} network(s).`,
          ),
        onError: (err) => {
          setProgress(null);
          if (err instanceof ComposeError) setProblems(err.problems);
        },
      },
    );
  };

  const readFile = (file: File | undefined) => {
    if (file) void file.text().then(setCompose);
  };

  return (
    <Section title="Deploy a stack">
      <form onSubmit={submit} noValidate>
        <div className="inline-form">
          <Field label="Stack name" error={errors['stack']}>
            {(p) => <input {...p} value={stack} onChange={(e) => setStack(e.target.value)} />}
          </Field>
          <CollectionField options={options} value={collection || options[0]!} onChange={setCollection} />
          <Field label="Compose file from disk" hint="Replaces the text below.">
            {(p) => (
              <input {...p} type="file" accept=".yml,.yaml" onChange={(e) => readFile(e.target.files?.[0])} />
            )}
          </Field>
        </div>
        <Field
          label="Compose file"
          error={errors['compose']}
          hint="Compose v3 subset: services (image, command, entrypoint, environment, labels, deploy.mode/replicas/labels, ports, networks, secrets, configs) and networks, secrets and configs (inline content:)."
        >
          {(p) => (
            <textarea
              {...p}
              rows={12}
              cols={80}
              spellCheck={false}
              className="code-input"
              value={compose}
              onChange={(e) => setCompose(e.target.value)}
            />
          )}
        </Field>
        <button type="submit" className="primary" disabled={deploy.isPending}>
          {deploy.isPending ? 'Deploying…' : 'Deploy stack'}
        </button>
      </form>
      {problems.length > 0 ? (
        <div className="notice notice-error" role="alert">
          <p>The compose file cannot be deployed; nothing was created:</p>
          <ul>
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </div>
      ) : (
        <FormStatus error={deploy.error} success={progress} />
      )}
    </Section>
  );
}
