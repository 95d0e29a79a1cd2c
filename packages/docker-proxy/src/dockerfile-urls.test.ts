import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { changesUrls, fetchedSources, triggerSources } from './dockerfile-urls.js';
import type { BuildArgs } from './dockerfile-urls.js';

interface Case {
  readonly name: string;
  readonly dockerfile: string | Buffer;
  readonly args?: BuildArgs;
  readonly urls?: string[];
  readonly unresolved?: string[];
  readonly bases?: string[];
}

const L = 'http://127.0.0.1:8080/x';

const CASES: readonly Case[] = [
  { name: 'a plain ADD of a URL', dockerfile: `FROM busybox\nADD ${L} /x\n`, urls: [L], bases: ['busybox'] },
  {
    name: 'instructions in any case, several sources, the destination not a source',
    dockerfile: 'from scratch\nAdD https://example.com/a https://example.com/b https://example.com/dst/',
    urls: ['https://example.com/a', 'https://example.com/b'],
  },
  {
    name: 'COPY never fetches (its --from image is a base)',
    dockerfile: `FROM scratch\nCOPY ${L} /x\nCOPY --from=busybox ${L} /y`,
    bases: ['busybox'],
  },
  {
    name: 'the scheme is case-sensitive (a local path)',
    dockerfile: 'FROM scratch\nADD HTTP://127.0.0.1/ /d',
  },
  { name: 'the JSON form', dockerfile: `FROM scratch\nADD ["${L}", "/d"]`, urls: [L] },
  { name: 'the JSON form with text after it', dockerfile: `FROM scratch\nADD ["${L}","/d"] junk`, urls: [L] },
  {
    name: 'flags of both builders',
    dockerfile: `FROM scratch\nADD --chown=1:1 --chmod=644 ${L} /x\nADD --checksum=sha256:00 --keep-git-dir=true "${L}2" /y`,
    urls: [L, `${L}2`],
  },
  { name: 'a quoted flag with spaces', dockerfile: `FROM scratch\nADD --chown="a b" ${L} /x`, urls: [L] },
  { name: 'line continuations', dockerfile: `FROM scratch\nADD \\\n   ${L} \\  \n /x`, urls: [L] },
  {
    name: 'comments and empty lines inside a continuation',
    dockerfile: `FROM scratch\nADD \\\n# a comment\n\n  ${L} /x`,
    urls: [L],
  },
  { name: 'a commented-out ADD', dockerfile: `FROM scratch\n  # ADD ${L} /x\n` },
  { name: 'the escape directive', dockerfile: `# escape=\`\nFROM scratch\nADD \`\n  ${L} /x`, urls: [L] },
  {
    name: 'a backslash under the backtick escape is literal, yet read both ways',
    dockerfile: '# escape=`\nFROM scratch\nADD h\\ttp://127.0.0.1/ /x',
    urls: ['http://127.0.0.1/'],
  },
  { name: 'CRLF line ends and a BOM', dockerfile: `\ufeffFROM scratch\r\nADD ${L} /x\r\n`, urls: [L] },
  {
    name: 'quotes and escapes removed by the lexer',
    dockerfile: `FROM scratch\nADD "${L}" /a\nADD 'http://127.0.0.1/q' /b\nADD h\\ttp://127.0.0.1/e /c\nADD h"ttp"://127.0.0.1/m /d`,
    urls: [L, 'http://127.0.0.1/q', 'http://127.0.0.1/e', 'http://127.0.0.1/m'],
  },
  {
    name: 'an unterminated quote',
    dockerfile: 'FROM scratch\nADD "http://127.0.0.1/x /d',
    unresolved: ['"http://127.0.0.1/x'],
  },
  {
    name: 'a meta ARG declared again in a scratch stage',
    dockerfile: 'ARG H=127.0.0.1\nFROM scratch\nARG H\nADD http://${H}/x /x',
    urls: ['http://127.0.0.1/x'],
  },
  {
    name: '--build-arg wins over the default',
    dockerfile: 'ARG H=127.0.0.1\nFROM scratch\nARG H\nADD http://${H}/x /x',
    args: { H: 'example.com' },
    urls: ['http://example.com/x'],
  },
  {
    name: 'a meta ARG not declared in the stage',
    dockerfile: 'ARG H=127.0.0.1\nFROM scratch\nADD http://${H}/x /x',
    unresolved: ['http://${H}/x'],
  },
  {
    name: 'an ARG in a stage FROM an image (its ENV could shadow it)',
    dockerfile: 'FROM busybox\nARG U=http://example.com/x\nADD $U /x',
    unresolved: ['$U'],
    bases: ['busybox'],
  },
  {
    name: 'ENV in the stage is certain',
    dockerfile: `FROM busybox\nENV U=${L}\nADD $U /x\nENV V ${L}v\nADD \${V} /y`,
    urls: [L, `${L}v`],
    bases: ['busybox'],
  },
  {
    name: 'ENV pairs expand with the environment before the line',
    dockerfile: 'FROM scratch\nENV A=public.example\nENV A=127.0.0.1 B=$A\nADD http://$B/ http://$A/ /d',
    urls: ['http://public.example/', 'http://127.0.0.1/'],
  },
  {
    name: '${VAR:-default} and ${VAR:+word}',
    dockerfile: 'FROM scratch\nARG S=1\nADD http://${H:-127.0.0.1}/x http${S:+s}://example.com/ /d',
    urls: ['http://127.0.0.1/x', 'https://example.com/'],
  },
  {
    name: 'an unknown variable after the host keeps the host',
    dockerfile: 'FROM busybox\nARG V\nADD https://example.com/v${V}/x.tgz app-${V}.tgz /',
    urls: ['https://example.com/v'],
    bases: ['busybox'],
  },
  {
    name: 'an unknown variable where the scheme or host goes',
    dockerfile: 'FROM busybox\nARG V\nADD ${V}/x h${V} http://${V}.example/ http://x$@y/ /',
    unresolved: ['${V}/x', 'h${V}', 'http://${V}.example/', 'http://x$@y/'],
    bases: ['busybox'],
  },
  {
    name: 'ONBUILD ADD plants a fetch; its variables expand in a later build',
    dockerfile: `FROM scratch\nENV H=example.com\nONBUILD ADD ${L} /x\nONBUILD ADD http://\${H}/ /y`,
    urls: [L],
    unresolved: ['http://${H}/'],
  },
  {
    name: 'a trigger is read with the default escape, as the later build reads it',
    dockerfile: '# escape=`\nFROM scratch\nONBUILD ADD h\\ttp://127.0.0.1/ /x',
    urls: ['http://127.0.0.1/'],
  },
  {
    name: 'ONBUİLD is onbuild to Go',
    dockerfile: 'FROM scratch\nONBUİLD ADD http://127.0.0.1/t /d',
    urls: ['http://127.0.0.1/t'],
  },
  {
    name: 'a stage inherits the ENV of the stage it is FROM',
    dockerfile: `FROM busybox AS base\nENV U=${L}\nFROM base\nADD $U /x`,
    urls: [L],
    bases: ['busybox'],
  },
  {
    name: 'a stage named scratch is not scratch',
    dockerfile: 'FROM busybox AS scratch\nFROM scratch\nARG U=http://example.com/\nADD $U /',
    unresolved: ['$U'],
    bases: ['busybox'],
  },
  {
    name: 'FROM expands meta ARGs and --build-arg',
    dockerfile: 'ARG BASE=alpine:3\nFROM $BASE\nFROM ${OTHER:-debian}',
    args: { BASE: 'registry.example/x:1' },
    bases: ['registry.example/x:1', 'debian'],
  },
  {
    name: 'the flag scanner splits at the byte 0xA0, as Go does, even inside "à"',
    dockerfile: 'FROM scratch\nADD --x=àhttp://127.0.0.1/a /d\n',
    urls: ['http://127.0.0.1/a'],
  },
  {
    name: 'a lone 0xA0 byte ends a flag too',
    dockerfile: Buffer.concat([
      Buffer.from('FROM scratch\nADD --x='),
      Buffer.from([0xa0]),
      Buffer.from('http://127.0.0.1/b /d\n'),
    ]),
    urls: ['http://127.0.0.1/b'],
  },
  { name: 'an ADD with no destination does nothing', dockerfile: `FROM scratch\nADD ${L}` },
];

function sorted(x: readonly string[] | undefined): string[] {
  return [...(x ?? [])].sort();
}

describe('fetchedSources', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const found = fetchedSources(c.dockerfile, c.args);
      assert.deepEqual(
        { urls: sorted(found.urls), unresolved: sorted(found.unresolved), bases: sorted(found.bases) },
        { urls: sorted(c.urls), unresolved: sorted(c.unresolved), bases: sorted(c.bases) },
      );
    });
  }
});

describe('changesUrls and triggerSources', () => {
  it('finds ONBUILD ADD in commit and import changes, continuations across changes included', () => {
    assert.deepEqual(changesUrls([`ONBUILD ADD ${L} /x`]).urls, [L]);
    assert.deepEqual(changesUrls(['ENV A=1', 'ONBUILD ADD \\', `${L}y /y`]).urls, [`${L}y`]);
    assert.deepEqual(changesUrls(['CMD ["sh"]', 'ENV U=http://127.0.0.1/']), {
      urls: [],
      unresolved: [],
      bases: [],
    });
    assert.deepEqual(changesUrls(['ONBUILD ADD $U /x']).unresolved, ['$U']);
  });

  it("reads an image's Config.OnBuild triggers", () => {
    assert.deepEqual(triggerSources([`ADD ${L} /x`, 'RUN echo hi', 'ADD ["http://[::1]/", "/y"]']).urls, [
      L,
      'http://[::1]/',
    ]);
  });
});

describe('COPY --from', () => {
  it('counts an image as a base, never a stage or an index', () => {
    const found = fetchedSources(
      'FROM scratch AS one\nCOPY --from=one /a /a\nCOPY --from=0 /b /b\ncopy --chown=1 --from=alice/app:1 /c /c\n',
    );
    assert.deepEqual(found.bases, ['alice/app:1']);
    assert.deepEqual(fetchedSources('FROM scratch\nCOPY --from=$IMG /a /a\n').unresolved, [
      'COPY --from=$IMG',
    ]);
  });
});
