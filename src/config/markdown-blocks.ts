/** The fenced code blocks of the README and docs, for the tests that run them as printed. */
export interface FencedBlock { file: string; line: number; lang: string; text: string }

/** The fenced code blocks of a Markdown text, with the line of their opening fence. */
export function fencedBlocks(file: string, markdown: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  let open: { line: number; lang: string; fence: string; lines: string[] } | null = null;
  markdown.split('\n').forEach((text, i) => {
    const fence = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/.exec(text);
    if (!open) {
      if (fence) open = { line: i + 1, lang: fence[3]!.toLowerCase(), fence: fence[2]!, lines: [] };
    } else if (fence && fence[2]!.startsWith(open.fence) && fence[3] === '') {
      blocks.push({ file, line: open.line, lang: open.lang, text: open.lines.join('\n') });
      open = null;
    } else {
      open.lines.push(text);
    }
  });
  return blocks;
}
