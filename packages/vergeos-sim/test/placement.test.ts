import { describe, expect, it } from 'vitest';
import { place, shortage, type NodeRoom } from '../src/placement';

const nodes: NodeRoom[] = [
  { key: 1, name: 'node1', freeCores: 8, freeRam: 8192 },
  { key: 2, name: 'node2', freeCores: 4, freeRam: 32768 },
  { key: 3, name: 'node3', freeCores: 16, freeRam: 16384 },
];

describe('placement', () => {
  it('uses the preferred node when it has room', () => {
    expect(place(nodes, { cores: 2, ram: 4096 }, 1)).toEqual({ ok: true, node: 1, usedPreferred: true });
  });
  it('falls back to the node with the most free RAM that fits when the preferred one lacks room', () => {
    expect(place(nodes, { cores: 4, ram: 12288 }, 1)).toEqual({ ok: true, node: 2, usedPreferred: false });
    expect(place(nodes, { cores: 8, ram: 12288 }, 1)).toEqual({ ok: true, node: 3, usedPreferred: false });
  });
  it('without a preference picks the most free RAM among nodes with the cores', () => {
    expect(place(nodes, { cores: 2, ram: 1024 }, null)).toMatchObject({ node: 2 });
  });
  it('an unknown preferred node is ignored', () => {
    expect(place(nodes, { cores: 2, ram: 1024 }, 99)).toMatchObject({ ok: true, node: 2 });
  });
  it('ties go to the lower key', () => {
    const same = [
      { key: 2, name: 'node2', freeCores: 4, freeRam: 4096 },
      { key: 1, name: 'node1', freeCores: 4, freeRam: 4096 },
    ];
    expect(place(same, { cores: 1, ram: 1024 }, null)).toMatchObject({ node: 1 });
  });
  it('says what is short: RAM', () => {
    expect(place(nodes, { cores: 2, ram: 65536 }, null)).toEqual({
      ok: false,
      reason: 'not enough free RAM (needs 65536 MB, at most 32768 MB free on node2)',
    });
  });
  it('says what is short: CPU cores', () => {
    expect(shortage(nodes, { cores: 32, ram: 1024 })).toBe(
      'not enough free CPU cores (needs 32, at most 16 free on node3)',
    );
  });
  it('says what is short: both', () => {
    expect(shortage(nodes, { cores: 32, ram: 65536 })).toBe(
      'not enough free CPU cores (needs 32, at most 16 free on node3) and RAM (needs 65536 MB, at most 32768 MB free on node2)',
    );
  });
  it('says when each resource exists but never on one node', () => {
    expect(place(nodes, { cores: 12, ram: 20000 }, null)).toEqual({
      ok: false,
      reason: 'no node has both 12 free CPU cores and 20000 MB free RAM',
    });
  });
});
