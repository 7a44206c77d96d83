export { createLdapSource } from './ldap-source.js';
export { FLAVOR_DEFAULTS, type LdapFlavor, type LdapLogger, type LdapSourceConfig } from './ldap-config.js';
export { objectGuidFromString, objectGuidToString, objectSidToString } from './ad/object-guid.js';
export { isDisabled, UF_ACCOUNTDISABLE } from './ad/user-account-control.js';
export { primarySmtpAddress, smtpAddresses } from './ad/proxy-addresses.js';
export { isDeletedObject } from './ad/ad-entry.js';
