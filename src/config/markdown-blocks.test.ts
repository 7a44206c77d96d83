import { describe, expect, it } from 'vitest';

import { fencedBlocks } from './markdown-blocks.js';

describe('fencedBlocks', () => {
  it('takes the fence\'s indentation off a block inside a list item, as a rendered README shows it', () => {
    const markdown = ['- step:', '  ```sh', '  cat <<\'PY\'', '    indented', '  PY', '  ```', '', '```yaml', 'a: 1', '```'].join('\n');
    expect(fencedBlocks('README.md', markdown)).toEqual([
      { file: 'README.md', line: 2, lang: 'sh', text: "cat <<'PY'\n  indented\nPY" },
      { file: 'README.md', line: 8, lang: 'yaml', text: 'a: 1' },
    ]);
  });

  it('takes off no more than the fence\'s indentation, and none from a line with less', () => {
    expect(fencedBlocks('x.md', ['   ```', ' one', '     five', '   ```'].join('\n'))[0]?.text).toBe('one\n  five');
  });
});
