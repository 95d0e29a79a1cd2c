import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { foldKey, matchesField } from './fold.js';

describe("Go's key folding", () => {
  it('folds ASCII letters, the long s and the Kelvin sign', () => {
    assert.equal(foldKey('hostconfig'), 'HOSTCONFIG');
    assert.equal(foldKey('Bind\u017f'), 'BINDS');
    assert.equal(foldKey('\u212aERNELMEMORY'), 'KERNELMEMORY');
    assert.ok(matchesField('bind\u017f', 'Binds'));
    assert.ok(!matchesField('\u212aernel\u212aemory', 'KernelMemory')); // M is not K
    assert.ok(matchesField('\u212aernelMemory', 'KernelMemory'));
    assert.ok(matchesField('IPAMCONFIG', 'IPAMConfig'));
  });

  it('never folds another non-ASCII rune onto an ASCII letter, unlike toUpperCase', () => {
    assert.equal('ı'.toUpperCase(), 'I');
    assert.ok(!matchesField('Prıvileged', 'Privileged')); // U+0131 dotless i
    assert.ok(!matchesField('Privİleged', 'Privileged')); // U+0130
    assert.ok(!matchesField('Stra\u00dfe', 'STRASSE')); // ß is not SS for Go
    assert.ok(!matchesField('Ｉmage', 'Image')); // fullwidth
  });

  it('keeps digits and punctuation exact', () => {
    assert.ok(matchesField('ipv4address', 'IPv4Address'));
    assert.ok(!matchesField('IPv6Address', 'IPv4Address'));
    assert.ok(!matchesField('Cpu_Shares', 'CpuShares'));
    assert.ok(!matchesField('cpu-shares', 'CpuShares'));
  });
});
