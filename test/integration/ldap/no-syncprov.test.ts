/** A directory without the syncprov overlay: no contextCSN, no RFC 4533. Delta still works. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { DirectoryEntry } from '../../../src/directory/entry.js';
import { createLdapSource, type LdapSourceConfig } from '../../../src/directory/ldap/ldap-source.js';
import { isAppError } from '../../../src/shared/errors.js';
import { startSlapd, type Slapd } from '../../support/slapd.js';
import { directoryLdif, person, SUFFIX } from './directory-fixture.js';

let slapd: Slapd;
const logger = { warn: () => undefined };

function config(extra: Partial<LdapSourceConfig> = {}): LdapSourceConfig {
  return { url: slapd.url, bindDn: slapd.syncDn, bindPassword: slapd.syncPw, baseDns: [SUFFIX], flavor: 'openldap', ...extra };
}

beforeAll(async () => {
  slapd = await startSlapd({ syncprov: false, ldif: directoryLdif(10) });
});
afterAll(async () => {
  await slapd?.stop();
});

describe('LDAP source without syncprov', () => {
  it('takes the highest entryCSN in scope as the cursor, and reads changes after it', async () => {
    const source = createLdapSource(config(), logger);
    const cursor = await source.currentCursor();
    expect(cursor).toMatch(/^openldap:csn:\d{14}\.\d{6}Z#/);
    slapd.add(person('late', 'people'));
    const changes = await source.readChanges(cursor, 'objects');
    const changed: DirectoryEntry[] = [];
    for await (const page of changes!.changed) changed.push(...page);
    expect(changed.map((e) => e.dn)).toEqual([`uid=late,ou=people,${SUFFIX}`]);
    expect(changes!.nextCursor > cursor!).toBe(true);
    // No RFC 4533 to say what was deleted: the engine compares every anchor.
    expect(await changes!.departures()).toEqual({ kind: 'compare' });
    await source.close();
  });

  it('watch reports that the server offers no RFC 4533', async () => {
    const source = createLdapSource(config(), logger);
    const errors: unknown[] = [];
    const stop = source.watch!(() => undefined, (e) => errors.push(e));
    const deadline = Date.now() + 30_000;
    while (errors.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    stop();
    expect(isAppError(errors[0], 'DIR_SEARCH_FAILED')).toBe(true);
    expect((errors[0] as Error).message).toContain('RFC 4533');
  });
});
