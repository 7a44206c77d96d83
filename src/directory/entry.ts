/** One entry as a directory source yields it. Attribute names are lower-case; values are strings
 * (binary values such as objectGUID are converted by the reader into their canonical text form). */
export interface DirectoryEntry {
  dn: string;
  attributes: Record<string, string[]>;
}

/** Where in the source an entry came from, for error messages that point at it. */
export interface EntryLocation {
  dn: string;
  /** Line number in an LDIF file, when the source is a file. */
  line?: number;
}
