import { createInterface } from 'node:readline';
import type { Services } from '../app/services';
import { dispatchCommand } from '../dispatch/dispatch-command';
import { shellReply } from './shell-reply';

export const SHELL_USER = { userId: 'U_LOCAL_SHELL', userName: 'local-shell' };

/**
 * A prompt where `/stemedb ...` lines run the same handlers as Slack and print the same content as text.
 * Reads until EOF or `exit`, so it also works with piped input (scripts, tests).
 */
export async function runLocalShell(options: { services: Services; input: NodeJS.ReadableStream; output: NodeJS.WritableStream; banner: string }): Promise<void> {
  const { services, input, output } = options;
  const print = (text: string) => output.write(`${text}\n`);
  const interactive = (input as { isTTY?: boolean }).isTTY === true;
  const rl = createInterface({ input, output: interactive ? output : undefined, prompt: 'stemedb> ', terminal: interactive });
  print(options.banner);
  if (interactive) rl.prompt();
  for await (const raw of rl) {
    const line = raw.trim().replace(/^\/stemedb\b\s*/, '');
    if (line === 'exit' || line === 'quit') break;
    if (line !== '') {
      await dispatchCommand(line, { surface: 'shell', invoker: SHELL_USER, services, reply: shellReply(print) });
    }
    if (interactive) rl.prompt();
  }
  rl.close();
}
