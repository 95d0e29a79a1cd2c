import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EngineRefusal } from '../refusals.js';
import { type BodyKind, decodeBody } from './decode.js';
import { serialize } from './serialize.js';

const member = { allowUnknown: false };
const admin = { allowUnknown: true };

/** The canonical body as the engine will get it. */
function canonical(kind: BodyKind, body: string, options = member): string {
  return serialize(decodeBody(kind, Buffer.from(body), options)).toString();
}

function refusal(kind: BodyKind, body: string | Buffer, options = member): string {
  try {
    decodeBody(kind, typeof body === 'string' ? Buffer.from(body) : body, options);
  } catch (e) {
    assert.ok(e instanceof EngineRefusal);
    assert.equal(e.status, 400);
    return e.message;
  }
  assert.fail(`accepted ${String(body)}`);
}

describe('canonical decoder: keys', () => {
  it('matches keys the way Go does and answers the canonical names', () => {
    assert.equal(
      canonical(
        'container.create',
        '{"image":"x","hostconfig":{"Bind\u017f":["/:/host"],"\u212aERNELMEMORY":1}}',
      ),
      '{"Image":"x","HostConfig":{"Binds":["/:/host"],"KernelMemory":1}}',
    );
  });

  it('reaches structs inside maps: NetworkingConfig.EndpointsConfig.<net>.Aliases', () => {
    const body =
      '{"NetworkingConfig":{"endpointsconfig":{"My.Net":{"aliases":["a"],"IPAMCONFIG":{"ipv4address":"10.0.0.2"}}}}}';
    assert.equal(
      canonical('container.create', body),
      '{"NetworkingConfig":{"EndpointsConfig":{"My.Net":{"Aliases":["a"],"IPAMConfig":{"IPv4Address":"10.0.0.2"}}}}}',
    );
  });

  it('keeps map keys exact', () => {
    assert.equal(
      canonical('container.create', '{"Labels":{"a":"1","A":"2"}}'),
      '{"Labels":{"a":"1","A":"2"}}',
    );
  });

  it('refuses two keys for one field as ambiguous', () => {
    assert.equal(
      refusal('container.create', '{"HostConfig":{},"hostconfig":{}}'),
      'the request body is ambiguous: "HostConfig" and "hostconfig" both set HostConfig: send each field once',
    );
    assert.equal(
      refusal('container.create', '{"HostConfig":{"Binds":[],"Bind\u017f":["/:/h"]}}'),
      'the request body is ambiguous: "Binds" and "Bind\u017f" both set HostConfig.Binds: send each field once',
    );
    assert.match(
      refusal('container.create', '{"Image":"a","Image":"b"}'),
      /ambiguous: the request body has the key "Image" twice/,
    );
    assert.match(
      refusal('container.create', '{"Labels":{"a":"1","a":"2"}}'),
      /ambiguous: Labels has the key "a" twice/,
    );
  });

  it('refuses unknown fields for members, copies them as-is for administrators', () => {
    assert.equal(
      refusal('container.create', '{"HostConfig":{"Foo":1}}'),
      'HostConfig.Foo is not a field Stevedore knows for POST /containers/create, so it is refused: remove it, or ask an administrator',
    );
    // dockerd 20.10 reads HostConfig's fields at the top level too (a deprecated embedded struct)
    assert.match(
      refusal('container.create', '{"Image":"x","Privileged":true}'),
      /^Privileged is not a field/,
    );
    assert.equal(
      canonical('container.create', '{"Privileged":true,"x":{"Y":1.0}}', admin),
      '{"Privileged":true,"x":{"Y":1.0}}',
    );
    assert.match(
      refusal('container.create', '{"Foo":1,"foo":2}', admin),
      /"Foo" and "foo" in the request body name the same field/,
    );
    assert.match(
      refusal('service.spec', '{"Name":"x","Nme":1}'),
      /for POST \/services\/create and POST \/services\/\{id\}\/update/,
    );
  });
});

describe('canonical decoder: values', () => {
  it('refuses the types Go refuses', () => {
    const cases: [string, RegExp][] = [
      ['{"HostConfig":{"Memory":"1g"}}', /HostConfig.Memory must be an integer \(int64\), not a string/],
      ['{"HostConfig":{"Memory":1.5}}', /not the number 1.5/],
      ['{"HostConfig":{"Memory":1e3}}', /not the number 1e3/],
      ['{"HostConfig":{"Memory":1.0}}', /not the number 1.0/],
      [
        '{"HostConfig":{"Memory":9223372036854775808}}',
        /in the int64 range, not the number 9223372036854775808/,
      ],
      ['{"HostConfig":{"Binds":"/:/h"}}', /HostConfig.Binds must be an array, not a string/],
      ['{"HostConfig":{"Binds":[1]}}', /HostConfig.Binds\[0\] must be a string, not the number 1/],
      ['{"HostConfig":[]}', /HostConfig must be an object, not an array/],
      ['{"Tty":"true"}', /Tty must be a boolean, not a string/],
      ['{"Image":{}}', /Image must be a string, not an object/],
      ['{"Labels":{"a":1}}', /Labels.a must be a string/],
      ['[]', /the request body must be an object, not an array/],
    ];
    for (const [body, message] of cases) assert.match(refusal('container.create', body), message, body);
    assert.match(
      refusal('swarm.spec', '{"Raft":{"SnapshotInterval":-1}}'),
      /uint64 range, not the number -1/,
    );
    assert.match(
      refusal('swarm.spec', '{"Raft":{"SnapshotInterval":-0}}'),
      /uint64 range, not the number -0/,
    );
    assert.match(
      refusal('service.spec', '{"UpdateConfig":{"MaxFailureRatio":1e999}}'),
      /a finite number, not 1e999/,
    );
  });

  it('accepts null anywhere and keeps it', () => {
    const body = '{"Image":null,"Cmd":null,"HostConfig":{"Binds":[null],"Memory":null},"Labels":{"a":null}}';
    assert.equal(canonical('container.create', body), body);
    assert.equal(canonical('container.create', 'null'), 'null');
  });

  it('keeps numbers exactly as Go will read them', () => {
    const body =
      '{"HostConfig":{"Memory":9223372036854775807,"MemorySwap":-9223372036854775808,"CpuShares":-0}}';
    const decoded = decodeBody('container.create', Buffer.from(body), member) as {
      HostConfig: { Memory: unknown };
    };
    assert.equal(decoded.HostConfig.Memory, 9223372036854775807n);
    assert.equal(serialize(decoded).toString(), body);
    assert.equal(
      canonical('swarm.spec', '{"Raft":{"SnapshotInterval":18446744073709551615}}'),
      '{"Raft":{"SnapshotInterval":18446744073709551615}}',
    );
    // a float field forwards the client's own decimal (a Go float32 rounds it once), the policy gets a number
    const spec =
      '{"UpdateConfig":{"MaxFailureRatio":0.10000000149011612},"RollbackConfig":{"MaxFailureRatio":1}}';
    const decodedSpec = decodeBody('service.spec', Buffer.from(spec), member) as {
      UpdateConfig: { MaxFailureRatio: number };
    };
    assert.equal(decodedSpec.UpdateConfig.MaxFailureRatio, 0.10000000149011612);
    assert.equal(serialize(decodedSpec).toString(), spec);
  });

  it('keeps a __proto__ map key an own property', () => {
    const v = decodeBody('container.create', Buffer.from('{"Labels":{"__proto__":"x"}}'), member) as {
      Labels: Record<string, unknown>;
    };
    assert.deepEqual(Object.keys(v.Labels), ['__proto__']);
    assert.equal(serialize(v).toString(), '{"Labels":{"__proto__":"x"}}');
  });

  it('refuses bodies that are not JSON, and empty ones except where the engine takes them', () => {
    assert.match(
      refusal('container.create', '{"Image":"x",}'),
      /^the request body is not valid JSON \(.* at character 13\): send valid JSON$/,
    );
    assert.match(refusal('container.create', '{"Image":"x"}{}'), /not valid JSON/);
    assert.equal(
      refusal('container.create', ' \n'),
      'the request body is empty: POST /containers/create expects a JSON body',
    );
    assert.equal(decodeBody('commit', Buffer.alloc(0), member), null); // docker CLI 28's `docker commit`
  });

  it('reads the bodies of every kind', () => {
    assert.equal(canonical('plugin.set', '["DEBUG=1"]'), '["DEBUG=1"]');
    assert.equal(canonical('exec.create', '{"cmd":["ls"],"detach":false}'), '{"Cmd":["ls"],"Detach":false}');
    assert.equal(
      canonical('network.disconnect', '{"container":"c","force":true}'),
      '{"Container":"c","Force":true}',
    );
    assert.equal(
      canonical('service.spec', '{"TaskTemplate":{"ContainerSpec":{"Healthcheck":{"Test":["NONE"]}}}}'),
      '{"TaskTemplate":{"ContainerSpec":{"HealthCheck":{"Test":["NONE"]}}}}',
    );
  });
});
