// A FleetState: the snapshot, its body serialised once and its ETag hashed once, per change.
import { createHash } from 'node:crypto';
import type { FleetNode, FleetSnapshot, FleetVm } from '@powerdeck/contracts/fleet';
import type { FleetState } from './types';

const WAITING_REASON = 'waiting for the first poll';

/** Everything in a snapshot but `fetchedAt`: what decides whether a poll changed anything. */
export interface FleetContent {
  stale: boolean;
  staleReason: string | null;
  staleSince: string | null;
  pollIntervalMs: number;
  normalIntervalMs: number;
  vms: FleetVm[];
  nodes: FleetNode[];
}

/** The content serialised in the contract's key order (explicit: nothing but contract fields). */
export function serialiseContent(c: FleetContent): string {
  return JSON.stringify({
    stale: c.stale,
    staleReason: c.staleReason,
    staleSince: c.staleSince,
    pollIntervalMs: c.pollIntervalMs,
    normalIntervalMs: c.normalIntervalMs,
    vms: c.vms,
    nodes: c.nodes,
  });
}

/** A strong ETag of a body. */
export function etagOf(body: string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
}

/**
 * The state for `content` fetched at `fetchedAt`; `contentJson` is `serialiseContent(content)`, already computed to
 * compare with the previous state, reused here so a 10,000-VM fleet is serialised once per change.
 */
export function buildState(fetchedAt: string | null, content: FleetContent, contentJson: string): FleetState {
  const snapshot: FleetSnapshot = { fetchedAt, ...content };
  // `{"fetchedAt":...,` + the content's keys: the same text JSON.stringify(snapshot) gives, without serialising again.
  const body = `{"fetchedAt":${JSON.stringify(fetchedAt)},${contentJson.slice(1)}`;
  return { snapshot, body, etag: etagOf(body) };
}

export function initialContent(pollIntervalMs: number): FleetContent {
  return {
    stale: true,
    staleReason: WAITING_REASON,
    staleSince: null,
    pollIntervalMs,
    normalIntervalMs: pollIntervalMs,
    vms: [],
    nodes: [],
  };
}

/**
 * Whether an `If-None-Match` header names `etag` (weak comparison, as RFC 9110 asks for `If-None-Match`; a list and
 * `*` are understood).
 */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined || header === '') return false;
  const wanted = etag.replace(/^W\//, '');
  for (const part of header.split(',')) {
    const tag = part.trim();
    if (tag === '*') return true;
    if (tag.replace(/^W\//, '') === wanted) return true;
  }
  return false;
}
