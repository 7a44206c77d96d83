import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { applyPlanToRecords, fingerprintObject, planChanges } from './plan.js';
import type { SyncedGroup, SyncedUser } from './model.js';
import type { ExportedRecord } from './ports.js';

const user = (anchor: string, displayName: string | null): SyncedUser => ({
  kind: 'user', anchor, dn: `uid=${anchor},ou=People,dc=example,dc=org`, userPrincipalName: `${anchor}@example.org`,
  displayName, givenName: null, surname: null, mail: `${anchor}@example.org`, otherMails: [], enabled: true,
});
const group = (anchor: string, members: string[]): SyncedGroup => ({
  kind: 'group', anchor, dn: `cn=${anchor},ou=Groups,dc=example,dc=org`, name: anchor, description: null, mail: null, memberAnchors: members,
});
const recordOf = (o: SyncedUser | SyncedGroup): ExportedRecord => ({ anchor: o.anchor, kind: o.kind, dn: o.dn, fingerprint: fingerprintObject(o), uid: null });

describe('planChanges', () => {
  it('adds new, updates changed, keeps unchanged and deletes what disappeared', () => {
    const exported = [recordOf(user('a', 'A')), recordOf(user('b', 'B')), recordOf(user('c', 'C'))];
    const plan = planChanges([{ object: user('a', 'A') }, { object: user('b', 'B2') }, { object: user('d', 'D') }], exported);
    expect(plan.unchanged).toBe(1);
    expect(plan.updates.map((u) => u.record.anchor)).toEqual(['b']);
    expect(plan.adds.map((u) => u.record.anchor)).toEqual(['d']);
    expect(plan.deletes.map((d) => d.anchor)).toEqual(['c']);
  });

  it('ignores the order of group members', () => {
    const exported = [recordOf(group('g', ['x', 'y']))];
    expect(planChanges([{ object: group('g', ['y', 'x']) }], exported).unchanged).toBe(1);
  });

  it('applying planChanges(a, b) to b gives a', () => {
    const anchors = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f');
    const object = fc.oneof(
      fc.record({ anchor: anchors, name: fc.option(fc.string({ maxLength: 5 }), { nil: null }) }).map(({ anchor, name }) => user(anchor, name)),
      fc.record({ anchor: anchors, members: fc.array(anchors, { maxLength: 4 }) }).map(({ anchor, members }) => group(`g${anchor}`, members)),
    );
    const uniqueObjects = fc.uniqueArray(object, { selector: (o) => o.anchor, maxLength: 8 });
    fc.assert(fc.property(uniqueObjects, uniqueObjects, (a, b) => {
      const before = b.map(recordOf);
      const after = applyPlanToRecords(planChanges(a.map((object) => ({ object })), before), before);
      const key = (r: ExportedRecord) => `${r.anchor}|${r.fingerprint}`;
      expect(after.map(key).sort()).toEqual(a.map(recordOf).map(key).sort());
      // a second plan against the result has nothing to do
      const again = planChanges(a.map((object) => ({ object })), after);
      expect(again.adds.length + again.updates.length + again.deletes.length).toBe(0);
    }));
  });
});

/** The general canonical form (keys sorted at every level), which the fast fingerprint must equal for exported objects. */
function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

describe('fingerprintObject', () => {
  const text = fc.option(fc.string({ unit: 'binary', maxLength: 12 }), { nil: null });
  const users = fc.record({
    kind: fc.constant('user' as const), anchor: fc.string(), dn: fc.string(), userPrincipalName: fc.string(), displayName: text, givenName: text,
    surname: text, mail: text, otherMails: fc.array(fc.string({ unit: 'binary' }), { maxLength: 4 }), enabled: fc.boolean(),
  });
  const groups = fc.record({
    kind: fc.constant('group' as const), anchor: fc.string(), dn: fc.string(), name: fc.string(), description: text, mail: text,
    memberAnchors: fc.array(fc.string(), { maxLength: 6 }),
  });

  it('is the sha256 of the general canonical form (fingerprints recorded before stay valid)', () => {
    fc.assert(fc.property(fc.oneof(users, groups), (object: SyncedUser | SyncedGroup) => {
      const canonical = object.kind === 'group' ? { ...object, memberAnchors: [...object.memberAnchors].sort() } : { ...object, otherMails: [...object.otherMails].sort() };
      expect(fingerprintObject(object)).toBe(createHash('sha256').update(stableStringify(canonical)).digest('base64url'));
    }));
  });
});
