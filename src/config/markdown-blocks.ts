/** The fenced code blocks of the README and docs, for the tests that run them as printed. */
export interface FencedBlock { file: string; line: number; lang: string; text: string }

/**
 * The fenced code blocks of a Markdown text, with the line of their opening fence. A fence indented
 * by N spaces (a block inside a list item) has up to N spaces taken off each of its lines, as
 * CommonMark does and a reader copying the rendered block gets (https://spec.commonmark.org/0.31.2/#fenced-code-blocks).
 */
export function fencedBlocks(file: string, markdown: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  let open: { line: number; lang: string; fence: string; indent: number; lines: string[] } | null = null;
  markdown.split('\n').forEach((text, i) => {
    const fence = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/.exec(text);
    if (!open) {
      if (fence) open = { line: i + 1, lang: fence[3]!.toLowerCase(), fence: fence[2]!, indent: fence[1]!.length, lines: [] };
    } else if (fence && fence[2]!.startsWith(open.fence) && fence[3] === '') {
      blocks.push({ file, line: open.line, lang: open.lang, text: open.lines.join('\n') });
      open = null;
    } else {
      const indent = /^ */.exec(text)![0].length;
      open.lines.push(text.slice(Math.min(indent, open.indent)));
    }
  });
  return blocks;
}
