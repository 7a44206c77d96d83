import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { AppError } from '../shared/errors.js';
import { createTerminalLogger } from './runtime.js';

function capture(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({ write(chunk: Buffer, _enc, done) { text += chunk.toString(); done(); } });
  return { stream, text: () => text };
}

describe('the terminal log', () => {
  it('prints one line per event, with the what-to-do of a warning, and no secret', async () => {
    const out = capture();
    const logger = createTerminalLogger('info', { colorize: false, destination: out.stream });
    logger.info({ agentId: 'a1', nested: { deep: { value: 1 } } }, 'agent registered with the tenant');
    logger.warn({ err: new AppError('DIR_TIMEOUT', { message: 'The directory stopped answering.' }) }, 'directory cycle failed');
    logger.warn({ hint: 'Switch TLS verification on.', credential: 'secret-value-123' }, 'TLS verification is off');
    logger.info({ hint: 'not shown for info' }, 'plain');
    await new Promise((r) => setTimeout(r, 50));
    const lines = out.text().trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: agent registered with the tenant \{.*"agentId":"a1"/);
    expect(lines[1]).toMatch(/WARN: directory cycle failed: DIR_TIMEOUT The directory stopped answering\. \(what to do: .+\)$/);
    expect(lines[2]).toContain('(what to do: Switch TLS verification on.)');
    expect(lines[3]).not.toContain('what to do');
    expect(out.text()).not.toContain('secret-value-123');
  });
});
