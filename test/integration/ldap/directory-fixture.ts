/** A small directory for the LDAP source tests: people, staff, contractors and every group kind. */
export const SUFFIX = 'dc=example,dc=test';

export function person(uid: string, ou: string, extra = ''): string {
  return `dn: uid=${uid},ou=${ou},${SUFFIX}
objectClass: inetOrgPerson
uid: ${uid}
cn: ${uid}
sn: ${uid}
mail: ${uid}@example.test
userPassword: {SSHA}placeholder-not-a-real-hash
${extra}`;
}

export function ou(name: string, parent = ''): string {
  return `dn: ou=${name},${parent}${SUFFIX}\nobjectClass: organizationalUnit\nou: ${name}\n`;
}

/** `count` people in ou=people (user001...), two in ou=staff, one in ou=contractors, groups of each kind. */
export function directoryLdif(count: number): string {
  const entries = [ou('people'), ou('staff'), ou('contractors'), ou('groups')];
  for (let i = 1; i <= count; i++) entries.push(person(`user${String(i).padStart(3, '0')}`, 'people', i % 2 === 0 ? 'departmentNumber: even\n' : 'departmentNumber: odd\n'));
  entries.push(person('sam', 'staff'), person('sue', 'staff'), `dn: uid=pat,ou=contractors,${SUFFIX}
objectClass: inetOrgPerson
objectClass: posixAccount
uid: pat
cn: pat
sn: pat
uidNumber: 5001
gidNumber: 5001
homeDirectory: /home/pat
`);
  entries.push(`dn: cn=platform,ou=groups,${SUFFIX}
objectClass: groupOfNames
cn: platform
member: uid=user003,ou=people,${SUFFIX}
member: uid=sam,ou=staff,${SUFFIX}
`);
  entries.push(`dn: cn=engineering,ou=groups,${SUFFIX}
objectClass: groupOfNames
cn: engineering
member: uid=user001,ou=people,${SUFFIX}
member: cn=platform,ou=groups,${SUFFIX}
`);
  entries.push(`dn: cn=auditors,ou=groups,${SUFFIX}
objectClass: groupOfUniqueNames
cn: auditors
uniqueMember: uid=user002,ou=people,${SUFFIX}
`);
  entries.push(`dn: cn=unix,ou=groups,${SUFFIX}
objectClass: posixGroup
cn: unix
gidNumber: 5001
memberUid: pat
memberUid: user004
`);
  return entries.join('\n');
}
