import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { containerCreateNeeds, serviceSpecNeeds } from './workload-policy.js';

const ops = (body: Record<string, unknown>) =>
  containerCreateNeeds(body).capabilities.map((n) => n.operation);

describe('what a container create asks for', () => {
  it('asks no capability of a plain container with named volumes, but lists the volumes', () => {
    const needs = containerCreateNeeds({
      Image: 'app',
      HostConfig: {
        Binds: ['data:/data', 'cache:/cache:ro'],
        Mounts: [
          { Type: 'volume', Source: 'x', Target: '/x' },
          { Type: 'tmpfs', Target: '/t' },
        ],
        NetworkMode: 'default',
        VolumesFrom: ['other:ro'],
      },
    });
    assert.deepEqual(needs.capabilities, []);
    assert.deepEqual(needs.refs, [
      { type: 'volume', ref: 'data' },
      { type: 'volume', ref: 'cache' },
      { type: 'volume', ref: 'x' },
      { type: 'container', ref: 'other' },
    ]);
  });

  it('names every way out of the container', () => {
    assert.deepEqual(ops({ HostConfig: { Binds: ['/etc:/host-etc'] } }), ['container.bind_mount']);
    assert.deepEqual(ops({ HostConfig: { Mounts: [{ Type: 'bind', Source: '/', Target: '/h' }] } }), [
      'container.bind_mount',
    ]);
    assert.deepEqual(ops({ HostConfig: { Privileged: true } }), ['container.privileged']);
    assert.deepEqual(ops({ HostConfig: { SecurityOpt: ['seccomp=unconfined'] } }), ['container.privileged']);
    assert.deepEqual(ops({ HostConfig: { NetworkMode: 'host' } }), ['container.host_namespaces']);
    assert.deepEqual(ops({ HostConfig: { PidMode: 'container:abc' } }), ['container.host_namespaces']);
    assert.deepEqual(ops({ HostConfig: { UsernsMode: 'host', IpcMode: 'host' } }), [
      'container.host_namespaces',
      'container.host_namespaces',
    ]);
    assert.deepEqual(ops({ HostConfig: { CapAdd: ['NET_ADMIN'] } }), ['container.capabilities']);
    assert.deepEqual(ops({ HostConfig: { Devices: [{ PathOnHost: '/dev/kvm' }] } }), ['container.devices']);
    assert.deepEqual(ops({ HostConfig: { DeviceRequests: [{ Count: -1 }] } }), ['container.devices']);
  });

  it('says in words what asked for it', () => {
    const [need] = containerCreateNeeds({ HostConfig: { Binds: ['/var/run/docker.sock:/s'] } }).capabilities;
    assert.equal(need?.rule, 'bind mount of host path /var/run/docker.sock');
  });

  it('lists the user-defined networks it joins', () => {
    const needs = containerCreateNeeds({
      HostConfig: { NetworkMode: 'backend' },
      NetworkingConfig: { EndpointsConfig: { frontend: {}, bridge: {} } },
    });
    assert.deepEqual(needs.refs, [
      { type: 'network', ref: 'backend' },
      { type: 'network', ref: 'frontend' },
    ]);
  });

  it('survives bodies of the wrong shape', () => {
    assert.deepEqual(containerCreateNeeds({ HostConfig: 'nonsense', NetworkingConfig: 3 }), {
      capabilities: [],
      refs: [],
    });
  });
});

describe('what a service spec asks for', () => {
  it('lists mounts, capabilities, the host network, secrets, configs and networks', () => {
    const needs = serviceSpecNeeds({
      TaskTemplate: {
        ContainerSpec: {
          Mounts: [{ Type: 'bind', Source: '/srv', Target: '/srv' }],
          CapabilityAdd: ['SYS_ADMIN'],
          Secrets: [{ SecretID: 's1', SecretName: 'db' }],
          Configs: [{ ConfigName: 'settings' }],
        },
        Networks: [{ Target: 'host' }, { Target: 'backend' }],
      },
    });
    assert.deepEqual(
      needs.capabilities.map((n) => n.operation),
      ['container.bind_mount', 'container.capabilities', 'container.host_namespaces'],
    );
    assert.deepEqual(needs.refs, [
      { type: 'network', ref: 'backend' },
      { type: 'secret', ref: 's1' },
      { type: 'config', ref: 'settings' },
    ]);
  });
});
