import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  containerCreateNeeds,
  execCreateNeeds,
  networkOrVolumeCreateNeeds,
  serviceSpecNeeds,
} from './workload-policy.js';

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

describe('volumes, networks and execs that reach the host', () => {
  it('counts volume driver options as a bind mount', () => {
    const [need] = networkOrVolumeCreateNeeds('volume', {
      Name: 'etc',
      DriverOpts: { type: 'none', o: 'bind', device: '/etc' },
    });
    assert.equal(need?.operation, 'container.bind_mount');
    assert.equal(need?.rule, 'volume driver options (type=none,o=bind,device=/etc)');
    assert.deepEqual(networkOrVolumeCreateNeeds('volume', { Name: 'plain' }), []);
    const mount = {
      Type: 'volume',
      Source: 'v',
      VolumeOptions: { DriverConfig: { Options: { device: '/' } } },
    };
    assert.deepEqual(ops({ HostConfig: { Mounts: [mount] } }), ['container.bind_mount']);
  });

  it('counts macvlan, ipvlan and host networks as host namespaces', () => {
    for (const Driver of ['macvlan', 'ipvlan', 'host'])
      assert.equal(
        networkOrVolumeCreateNeeds('network', { Driver })[0]?.operation,
        'container.host_namespaces',
      );
    assert.deepEqual(networkOrVolumeCreateNeeds('network', { Driver: 'overlay' }), []);
  });

  it('counts a privileged exec, and services that switch security modules off, as privileged', () => {
    assert.deepEqual(
      execCreateNeeds({ Cmd: ['sh'], Privileged: true }).map((n) => n.operation),
      ['container.privileged'],
    );
    assert.deepEqual(execCreateNeeds({ Cmd: ['sh'] }), []);
    const needs = serviceSpecNeeds({
      TaskTemplate: {
        ContainerSpec: { Privileges: { Seccomp: { Mode: 'unconfined' }, SELinuxContext: { Disable: true } } },
      },
    });
    assert.deepEqual(
      needs.capabilities.map((n) => n.rule),
      ['SELinux disabled', 'seccomp unconfined'],
    );
  });
});
